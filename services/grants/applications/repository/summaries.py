"""The applications' list: a page of ApplicationSummary items whose JSON PostgreSQL writes, narrowed by the
filters a caller gives."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Select, Text, Uuid, any_, bindparam, func, select

from kit.compiled_statements import JsonPages, camel_json
from services.grants.applications.models import ApplicationRow


def _chosen(shape: frozenset[str], *columns: Any) -> Select[Any]:
    """The applications of a contract, narrowed by the filters of the shape (each a named parameter)."""
    query = select(*columns).where(ApplicationRow.contract_code == bindparam("contract_code", type_=Text))
    if "operators" in shape:
        query = query.where(ApplicationRow.operator_id == any_(bindparam("operators", type_=ARRAY(Uuid))))
    if "state" in shape:
        query = query.where(ApplicationRow.state == bindparam("state", type_=Text))
    if "call_id" in shape:
        query = query.where(ApplicationRow.call_id == bindparam("call_id", type_=Uuid))
    return query


def _in_order(columns: Any, shape: frozenset[str]) -> tuple[Any, ...]:
    """The list's order: by year (latest first), title and id; one call is one year, its title order the
    index's."""
    by_title = (columns.title, columns.application_id)
    return by_title if "call_id" in shape else (columns.year.desc(), *by_title)


def _summaries(shape: frozenset[str]) -> Select[Any]:
    columns = (
        ApplicationRow.application_id,
        ApplicationRow.action_id,
        ApplicationRow.operator_id,
        ApplicationRow.year,
        ApplicationRow.title,
        ApplicationRow.state,
        ApplicationRow.outcome,
        ApplicationRow.qpv_codes,
        ApplicationRow.served_vulnerability_zones,
        ApplicationRow.hors_qpv,
        ApplicationRow.version,
    )
    return _chosen(shape, *columns)


def _summary_json(row: Any) -> Any:
    """An ApplicationSummary as its read writes it."""
    return camel_json(summary_columns(row))


def summary_columns(row: Any) -> dict[str, Any]:
    """ApplicationSummary's fields (ApplicationRead's first ones), each its wire value, in their order."""
    return {
        "id": row.application_id,
        "action_id": row.action_id,
        "operator_id": row.operator_id,
        "year": row.year,
        "title": row.title,
        "state": row.state,
        "outcome": row.outcome,
        "qpv_codes": row.qpv_codes,
        "hors_qpv": func.cardinality(row.qpv_codes) == 0,
        "served_vulnerability_zones": row.served_vulnerability_zones,
        "counted_in_vulnerability_cap": row.hors_qpv,
        "version": row.version,
    }


SUMMARY_PAGES = JsonPages(_summaries, _summary_json, _in_order)
