"""The statements of the programmation's tables and totals, each built and compiled once per shape of
filters (kit/compiled_statements.py): ProgrammationViews binds them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ClauseElement,
    Integer,
    Select,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from kit.compiled_statements import EMPTY_JSON_ARRAY, CompiledOnce, JsonPages, camel_json
from services.grants.applications.models import ApplicationRow, FinancingLineRow
from services.grants.calls.models import CallRow
from services.grants.framework.models import ObjectiveRow
from services.grants.institutions.models import InstitutionRow
from services.grants.operators.models import OperatorRow
from services.grants.programmation.domain.tables import ProgrammationFilter
from services.grants.programmation.models import ApplicationFinancersRow, ProgrammationItemRow
from services.grants.programmation.repository.kept_sums import kept_count
from services.grants.programmation.repository.scenarios import LIVE_STATES

Shape = frozenset[str]  # the filters given (ProgrammationFilter's names), each bound as a parameter


def chosen_applications(shape: Shape, *columns: Any, described: bool = False) -> Select[Any]:
    """The chosen applications, each filter of the shape a named parameter (`values_of` binds them);
    joined to calls and objectives when a filter needs them, and to their operators too when
    `described` (the columns then may name all three)."""
    query = (
        select(*columns)
        .select_from(ApplicationRow)
        .where(
            ApplicationRow.contract_code == _parameter("contract_code"),
            ApplicationRow.state == any_(literal(LIVE_STATES, type_=ARRAY(Text))),
        )
    )
    if described:
        query = (
            query.join(CallRow, CallRow.call_id == ApplicationRow.call_id)
            .join(OperatorRow, OperatorRow.operator_id == ApplicationRow.operator_id)
            .outerjoin(ObjectiveRow, ObjectiveRow.objective_id == ApplicationRow.primary_objective_id)
        )
    if "scheme" in shape:
        if not described:
            query = query.join(CallRow, CallRow.call_id == ApplicationRow.call_id)
        query = query.where(CallRow.scheme == _parameter("scheme"))
    if "pillar" in shape:
        if not described:
            query = query.join(ObjectiveRow, ObjectiveRow.objective_id == ApplicationRow.primary_objective_id)
        query = query.where(ObjectiveRow.pillar == _parameter("pillar"))
    if "year" in shape:
        query = query.where(ApplicationRow.year == _parameter("year"))
    if "operator_id" in shape:
        query = query.where(ApplicationRow.operator_id == _parameter("operator_id"))
    if "qpv_code" in shape:
        query = query.where(_served_under(_parameter("qpv_code")))
    if "objective_id" in shape:
        query = query.where(
            or_(
                ApplicationRow.primary_objective_id == _parameter("objective_id"),
                _parameter("objective_id") == any_(ApplicationRow.other_objective_ids),
            )
        )
    if "state" in shape:
        query = query.where(ApplicationRow.state == _parameter("state"))
    if "institution_id" in shape:
        query = query.where(
            exists().where(
                FinancingLineRow.application_id == ApplicationRow.application_id,
                FinancingLineRow.institution_id == _parameter("institution_id"),
            )
        )
    return query


# The totals' keys of the applications serving no QPV (by_qpv, and the kept sums' triggers, migration gran0028).
HORS_QPV = "hors-QPV"  # serving vulnerability zones and no QPV (the 2.5 % cap's credits)
NO_QPV = "none"  # serving neither a QPV nor an official zone


def _served_under(key: Any) -> Any:
    """The applications the totals count under served-QPV `key`: a QPV's code, `HORS_QPV` or `NO_QPV`."""
    return case(
        (key == HORS_QPV, ApplicationRow.hors_qpv),
        (key == NO_QPV, and_(func.cardinality(ApplicationRow.qpv_codes) == 0, ~ApplicationRow.hors_qpv)),
        else_=and_(~ApplicationRow.hors_qpv, key == any_(ApplicationRow.qpv_codes)),
    )


def _total_row(
    dimension: str,
    key: Any,
    count: Any,
    sums: tuple[Any, Any, Any] | None = None,
    *,
    funded: Any = None,
    beneficiaries: Any = None,
) -> Select[Any]:
    """One branch of the totals' union: dimension, key, count, requested, proposed, decided, funded and
    beneficiaries, typed NULL where the branch has no such figure."""
    nothing = cast(None, BigInteger)
    requested, proposed, decided = sums or (nothing, nothing, nothing)
    return select(
        literal(dimension).label("dimension"),
        cast(key, Text).label("key"),
        count,
        requested,
        proposed,
        decided,
        nothing if funded is None else funded,
        nothing if beneficiaries is None else beneficiaries,
    )


def _totals_statement(shape: Shape) -> tuple[ClauseElement, frozenset[str]]:
    """Totals per financer, pillar, ambition, P147 theme, year, QPV and operator profile, and the
    evaluation's counts, as one union (ProgrammationViews.totals reads it)."""
    contract_lines = FinancingLineRow.contract_code == _parameter("contract_code")
    if "year" in shape:
        contract_lines = and_(contract_lines, FinancingLineRow.year == _parameter("year"))
    apps = chosen_applications(
        shape,
        ApplicationRow.application_id,
        ApplicationRow.year,
        ApplicationRow.operator_id,
        ApplicationRow.primary_objective_id,
        ApplicationRow.hors_qpv,
        ApplicationRow.qpv_codes,
        ApplicationRow.beneficiaries["total"].as_integer().label("beneficiaries"),
        ApplicationRow.lines_requested_cents.label("requested"),
        ApplicationRow.lines_proposed_cents.label("proposed"),
        ApplicationRow.lines_decided_cents.label("decided"),
    ).cte("chosen")
    chosen_ids = chosen_applications(shape, ApplicationRow.application_id).subquery("chosen_ids")
    per_financer = (
        select(
            FinancingLineRow.institution_id,
            func.count().label("applications"),
            func.sum(FinancingLineRow.requested_cents).label("requested"),
            func.coalesce(func.sum(FinancingLineRow.proposed_cents), 0).label("proposed"),
            func.coalesce(func.sum(FinancingLineRow.decided_cents), 0).label("decided"),
            func.count().filter(FinancingLineRow.decided_cents > 0).label("funded"),
        )
        .join(chosen_ids, chosen_ids.c.application_id == FinancingLineRow.application_id)
        .where(contract_lines)
        .group_by(FinancingLineRow.institution_id)
        .subquery("per_financer")
    )
    by_financer = _total_row(
        "financer",
        InstitutionRow.code,
        per_financer.c.applications,
        (per_financer.c.requested, per_financer.c.proposed, per_financer.c.decided),
        funded=per_financer.c.funded,
    ).join(InstitutionRow, InstitutionRow.institution_id == per_financer.c.institution_id)
    amounts = (
        func.count().label("applications"),
        func.sum(apps.c.requested).label("requested"),
        func.sum(apps.c.proposed).label("proposed"),
        func.sum(apps.c.decided).label("decided"),
        func.count().filter(apps.c.decided > 0).label("funded"),
    )

    def regrouped(partial: Any, dimension: str, key: Any) -> Select[Any]:
        """Totals of a dimension from partial sums (per objective or per operator): a few hundred rows
        to join and group instead of every chosen application."""
        sums = (func.sum(partial.c.requested), func.sum(partial.c.proposed), func.sum(partial.c.decided))
        return _total_row(
            dimension, key, func.sum(partial.c.applications), sums, funded=func.sum(partial.c.funded)
        ).group_by(key)

    # Partial sums computed once, each read by several dimensions (CTEs referenced twice are materialised).
    per_objective = select(apps.c.primary_objective_id, *amounts).group_by(apps.c.primary_objective_id).cte()
    strategic, ambition = aliased(ObjectiveRow), aliased(ObjectiveRow)
    by_pillar = regrouped(per_objective, "pillar", ObjectiveRow.pillar).outerjoin_from(
        per_objective, ObjectiveRow, ObjectiveRow.objective_id == per_objective.c.primary_objective_id
    )
    by_ambition = (
        regrouped(per_objective, "ambition", ambition.label)
        .outerjoin_from(per_objective, ObjectiveRow, ObjectiveRow.objective_id == per_objective.c.primary_objective_id)
        .outerjoin(strategic, strategic.objective_id == ObjectiveRow.parent_id)
        .outerjoin(ambition, ambition.objective_id == strategic.parent_id)
    )
    by_theme = regrouped(per_objective, "theme", ObjectiveRow.p147_theme).outerjoin_from(
        per_objective, ObjectiveRow, ObjectiveRow.objective_id == per_objective.c.primary_objective_id
    )
    per_year = select(apps.c.year, *amounts).group_by(apps.c.year).subquery()
    by_year = regrouped(per_year, "year", per_year.c.year).select_from(per_year)
    per_operator = select(apps.c.operator_id, *amounts).group_by(apps.c.operator_id).cte()
    by_profile = regrouped(per_operator, "profile", OperatorRow.profile).join_from(
        per_operator, OperatorRow, OperatorRow.operator_id == per_operator.c.operator_id
    )
    operators = _total_row("operators", None, func.count()).select_from(per_operator)
    counts = _total_row(
        "counts",
        None,
        func.count(),
        funded=func.count().filter(apps.c.decided > 0),
        beneficiaries=func.coalesce(func.sum(apps.c.beneficiaries), 0),
    ).select_from(apps)
    served = select(
        apps.c.requested,
        apps.c.proposed,
        apps.c.decided,
        func.unnest(
            case(
                (apps.c.hors_qpv, literal([HORS_QPV], type_=ARRAY(Text))),
                (func.cardinality(apps.c.qpv_codes) == 0, literal([NO_QPV], type_=ARRAY(Text))),
                else_=apps.c.qpv_codes,
            )
        ).label("qpv_code"),
    ).subquery("served")
    by_qpv = _total_row(
        "qpv",
        served.c.qpv_code,
        func.count(),
        (func.sum(served.c.requested), func.sum(served.c.proposed), func.sum(served.c.decided)),
        funded=func.count().filter(served.c.decided > 0),
    ).group_by(served.c.qpv_code)
    everything = union_all(
        by_financer, by_pillar, by_ambition, by_theme, by_year, by_profile, by_qpv, operators, counts
    )
    return everything, shape | {"contract_code"}


def _rows(shape: Shape) -> Select[Any]:
    """The table's rows: the chosen applications, with what orders them (their items are kept)."""
    return chosen_applications(shape, ApplicationRow.application_id, ApplicationRow.title, ApplicationRow.year)


def items_built(*columns: Any) -> Select[Any]:
    """The applications with what their items show: `columns`, then each one's item as its kept one is written
    (migration gran0031), built from its rows (its columns, its call's scheme, its operator, its objective
    and its kept financers: none kept, no line), labelled `item`."""
    item = camel_json(
        {
            "application_id": ApplicationRow.application_id,
            "title": ApplicationRow.title,
            "year": ApplicationRow.year,
            "scheme": CallRow.scheme,
            "state": ApplicationRow.state,
            "outcome": ApplicationRow.outcome,
            "qpv_codes": ApplicationRow.qpv_codes,
            "hors_qpv": ApplicationRow.hors_qpv,
            "operator_id": OperatorRow.operator_id,
            "operator_nom": OperatorRow.nom,
            "operator_profile": OperatorRow.profile,
            "objective_code": ObjectiveRow.code,
            "pillar": ObjectiveRow.pillar,
            "financers": func.coalesce(ApplicationFinancersRow.financers, EMPTY_JSON_ARRAY),
        }
    )
    return (
        select(*columns, cast(item, Text).label("item"))
        .select_from(ApplicationRow)
        .join(CallRow, CallRow.call_id == ApplicationRow.call_id)
        .join(OperatorRow, OperatorRow.operator_id == ApplicationRow.operator_id)
        .outerjoin(ObjectiveRow, ObjectiveRow.objective_id == ApplicationRow.primary_objective_id)
        .outerjoin(ApplicationFinancersRow, ApplicationFinancersRow.application_id == ApplicationRow.application_id)
    )


def _kept_item(row: Any) -> Any:
    """A ProgrammationRow's JSON text as the triggers keep it (models.ProgrammationItemRow); built from the
    rows only for an application whose item is not kept (a writer that disabled the triggers) or left
    empty (the rewrite creates an item empty, then writes it: never committed so by the triggers)."""
    kept = (
        select(ProgrammationItemRow.item)
        .where(ProgrammationItemRow.application_id == row.application_id)
        .scalar_subquery()
    )
    built = items_built().where(ApplicationRow.application_id == row.application_id).scalar_subquery()
    return func.coalesce(func.nullif(kept, ""), built)


def _in_order(row: Any, _shape: Shape) -> tuple[Any, ...]:
    return (row.year.desc(), row.title, row.application_id)


# A page in index order (the rows joined only to what a filter needs, so a count reads one index of
# applications), each row's kept item read by its key (50 lookups); the count of a contract's or a year's list
# read from the sums its writes keep (kept_sums.py).
PAGES = JsonPages(_rows, _kept_item, _in_order, kept_count=kept_count, items_written=True)


# The filters of ProgrammationFilter other than the contract, with the type each is bound as.
_FILTER_TYPES: dict[str, Any] = {
    "contract_code": Text,
    "year": Integer,
    "scheme": Text,
    "operator_id": Uuid,
    "qpv_code": Text,
    "objective_id": Uuid,
    "pillar": Text,
    "state": Text,
    "institution_id": Uuid,
}


def _parameter(name: str) -> Any:
    return bindparam(name, type_=_FILTER_TYPES[name])


def shape_of(chosen: ProgrammationFilter) -> Shape:
    """Which filters are given (the contract always is)."""
    return frozenset(name for name in _FILTER_TYPES if name != "contract_code" and getattr(chosen, name) is not None)


def values_of(chosen: ProgrammationFilter) -> dict[str, Any]:
    return {name: getattr(chosen, name) for name in _FILTER_TYPES if getattr(chosen, name) is not None}


TOTALS = CompiledOnce(_totals_statement)
