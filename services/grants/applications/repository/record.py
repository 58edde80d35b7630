"""One application as ApplicationRead writes it, in one statement whose JSON PostgreSQL writes: what the
read of one application sends as written (a write answers with the route's model instead, built from what
it wrote; tests compare the two)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    ARRAY,
    ClauseElement,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    column,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from kit.compiled_statements import CompiledOnce, camel_json, euros_text, instant_text, json_array
from services.grants.applications.domain.budget import (
    CHARGE_ACCOUNTS,
    IN_KIND_RESOURCES,
    IN_KIND_USES,
    PRODUCT_ACCOUNTS,
)
from services.grants.applications.models import ApplicationEventRow, ApplicationRow, BudgetLineRow, FinancingLineRow
from services.grants.applications.repository.summaries import summary_columns
from services.grants.institutions.models import InstitutionRow


def _record_statement(_: frozenset[str]) -> tuple[ClauseElement, frozenset[str]]:
    """The application as ApplicationRead writes it (JSON written by PostgreSQL, the same as `view` read into
    the route's model), then its contract, operator and version (who reads it, its ETag)."""
    application = ApplicationRow
    budget = _budget()
    record = camel_json(
        summary_columns(application)
        | {
            "call_id": application.call_id,
            "contract_code": application.contract_code,
            "description": application.description,
            "primary_objective_id": application.primary_objective_id,
            "other_objective_ids": application.other_objective_ids,
            "codes_communes": application.codes_communes,
            "venues": _venues(),
            "beneficiaries": _beneficiaries(),
            "starts_on": application.starts_on,
            "ends_on": application.ends_on,
            "multi_year": application.multi_year,
            "renewal": application.previous_application_id.is_not(None),
            "previous_application_id": application.previous_application_id,
            "dauphin_number": application.dauphin_number,
            "dauphin_normalised": application.dauphin_normalised,
            "notified_on": application.notified_on,
            "budget": camel_json(
                {
                    "lines": budget.c.lines,
                    "total_charges": euros_text(budget.c.charges),
                    "total_products": euros_text(budget.c.products),
                    "in_kind_uses": euros_text(budget.c.uses),
                    "in_kind_resources": euros_text(budget.c.resources),
                    # BudgetTotals.balanced (CERFA 12156): charges, equal to the products; in kind, uses to
                    # resources.
                    "balanced": and_(
                        budget.c.charges != 0,
                        budget.c.charges == budget.c.products,
                        budget.c.uses == budget.c.resources,
                    ),
                }
            ),
            "financing_lines": _financing_lines(),
            "events": _history(),
        }
    )
    statement = (
        select(record.cast(Text), application.contract_code, application.operator_id, application.version)
        .select_from(application)
        .join(budget, true())
        .where(application.application_id == bindparam("application_id", type_=Uuid))
    )
    return statement, frozenset({"application_id"})


def _budget() -> Any:
    """The application's budget lines (their JSON, in their order) and BudgetTotals' sums (totals_of) of the
    accounts the domain names, in one scan of its lines."""
    line = BudgetLineRow

    def summed(accounts: Collection[str]) -> Any:
        listed = bindparam(None, sorted(accounts), type_=ARRAY(Text), unique=True)
        return func.coalesce(func.sum(line.amount_cents).filter(line.account == any_(listed)), 0)

    written = {
        "account": line.account,
        "label": line.label,
        "amount": euros_text(line.amount_cents),
        "institution_id": line.institution_id,
    }
    return (
        select(
            json_array(camel_json(written), line.position).label("lines"),
            summed(CHARGE_ACCOUNTS).label("charges"),
            summed(PRODUCT_ACCOUNTS).label("products"),
            summed({IN_KIND_USES}).label("uses"),
            summed({IN_KIND_RESOURCES}).label("resources"),
        )
        .where(line.application_id == ApplicationRow.application_id)
        .lateral("budget")
    )


def _financing_lines() -> Any:
    """Each financer's line with its financer, in the order of their codes (FinancingLineRead)."""
    line, financer = FinancingLineRow, InstitutionRow
    decided = line.decision.is_not(None)
    written = {
        "institution_id": line.institution_id,
        "institution_code": financer.code,
        "institution_nom": financer.nom,
        "cerfa_subline": financer.cerfa_subline,
        "requested": euros_text(line.requested_cents),
        "proposed": euros_text(line.proposed_cents),
        "decided": euros_text(line.decided_cents),
        "opinion": line.opinion,
        "opinion_comment": line.opinion_comment,
        "decision": line.decision,
        "committee_id": line.committee_id,
        # A line's act is its decision's (financing_line_of): none before it is decided.
        "act_kind": case((decided, line.decision_act_kind)),
        "act_number": case((decided, line.decision_act_number)),
        "decided_on": case((decided, line.decided_on)),
        "chorus_commitment": line.chorus_commitment,
    }
    return (
        select(json_array(camel_json(written), financer.code.collate("C")))
        .join_from(line, financer, financer.institution_id == line.institution_id)
        .where(line.application_id == ApplicationRow.application_id)
        .scalar_subquery()
    )


def _history() -> Any:
    """The application's events in the order they were recorded (EventRead)."""
    event = ApplicationEventRow
    written = {
        "at": instant_text(event.at),
        "actor": event.actor,
        "actor_institution": event.actor_institution,
        "transition": event.transition,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
    }
    return (
        select(json_array(camel_json(written), event.at, event.recorded_order))
        .where(event.application_id == ApplicationRow.application_id)
        .scalar_subquery()
    )


def _venues() -> Any:
    """The places the action is held, in their order (VenueRead; kept as `[{"qpv_code"|"code_commune"|"label":
    ...}]`)."""
    elements = func.jsonb_array_elements(ApplicationRow.venues)
    venue = elements.table_valued(column("value", JSONB), with_ordinality="position").render_derived()
    written = {name: venue.c.value[name] for name in ("qpv_code", "code_commune", "label")}
    return select(json_array(camel_json(written), venue.c.position)).scalar_subquery()


def _beneficiaries() -> Any:
    """The beneficiaries declared (BeneficiariesRead), as the routes keep them: by their fields' names
    (`model_dump(by_alias=False)`), any of them missing. A key kept by its alias (`shareInQpvPercent`) would
    read null here, where the model would take it: nothing writes one (the evaluation reads names too)."""
    declared = ApplicationRow.beneficiaries
    return camel_json(
        {
            "total": declared["total"],
            "women": declared["women"],
            "men": declared["men"],
            "age_bands": func.coalesce(declared["age_bands"], literal_column("'{}'::jsonb")),
            "share_in_qpv_percent": declared["share_in_qpv_percent"],
        }
    )


RECORD = CompiledOnce(_record_statement)
