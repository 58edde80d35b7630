"""Drafting an application: a new one (a new action, or the next year of one), its content rewritten, its
CERFA budget replaced; by the operator's users or the instructors, while it is a draft or being corrected."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import asdict
from typing import Any

from pydantic_core import to_jsonable_python

from identity.contracts import require_contract
from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import (
    ApplicationView,
    Draft,
    NewApplication,
    check_commune,
    check_dates,
    check_objectives,
    check_qpvs,
    check_renewed,
    check_venues,
    check_vulnerability_zones,
    normalised_dauphin,
)
from services.grants.applications.domain.budget import BudgetLine, check_budget_lines
from services.grants.applications.domain.workflow import State, check_editable, check_editor, data_parts
from services.grants.applications.models import ActionRow, ApplicationRow
from services.grants.applications.repository import ApplicationRepository, application_of
from services.grants.applications.repository.grounds import WriteGrounds
from services.grants.applications.use_cases.access import (
    APPLICATIONS,
    application_etag,
    application_view,
    visible_application,
)
from services.grants.clients.territories import References
from services.grants.errors import BrokenRules, ConflictError, NotFoundError, RuleViolationError
from services.grants.framework.repository import FrameworkRepository
from services.grants.operators.domain import own_organisations, seen


def _named_objectives(draft: Draft) -> set[uuid.UUID]:
    return {*draft.other_objective_ids, *([draft.primary_objective_id] if draft.primary_objective_id else [])}


async def _columns(
    uow: UnitOfWork,
    references: References,
    contract_code: str,
    action_id: uuid.UUID,
    year: int,
    draft: Draft,
    operational: Collection[uuid.UUID],
) -> dict[str, Any]:
    """The columns a draft sets, once its references are checked (objectives, of which `operational` are the
    contract's operational ones; QPVs, communes, dates, previous year, Dauphin number), every broken rule
    answered at once."""
    contract = await require_contract(references.contracts, contract_code)
    rules = BrokenRules()
    with rules.checking():
        check_objectives(draft, contract_code, operational)
    with rules.checking():
        check_qpvs(draft, contract.qpv_codes)
    with rules.checking():
        check_venues(draft, contract.qpv_codes)
    for venue in draft.venues:
        if venue.code_commune and await references.communes.find(venue.code_commune) is None:
            with rules.checking():
                check_commune(venue.code_commune, False, None, contract.code_epci)
    if draft.served_vulnerability_zones:
        official = await references.zones.official(contract_code)
        with rules.checking():
            check_vulnerability_zones(draft, official)
    for code in sorted(set(draft.codes_communes)):
        commune = await references.communes.find(code)
        with rules.checking():
            check_commune(code, commune is not None, commune.code_epci if commune else None, contract.code_epci)
    with rules.checking():
        check_dates(draft)
    if draft.previous_application_id is not None:
        previous = await ApplicationRepository(uow.session).get(draft.previous_application_id)
        with rules.checking():
            check_renewed(None if previous is None else application_of(previous), action_id, year)
    if draft.dauphin_number:
        with rules.checking():
            normalised_dauphin(draft.dauphin_number)
    rules.raise_any()
    return {
        **asdict(draft),
        "other_objective_ids": list(draft.other_objective_ids),
        "qpv_codes": sorted(set(draft.qpv_codes)),
        "codes_communes": sorted(set(draft.codes_communes)),
        "venues": [{key: value for key, value in asdict(venue).items() if value} for venue in draft.venues],
        "served_vulnerability_zones": sorted(set(draft.served_vulnerability_zones)),
        "hors_qpv": draft.hors_qpv,
        "dauphin_normalised": normalised_dauphin(draft.dauphin_number) if draft.dauphin_number else None,
    }


# What an application's creation and each change of its draft are audited with: every column its draft
# writes, beside its state, outcome, year and version.
_AUDITED = (
    "title",
    "description",
    "primary_objective_id",
    "other_objective_ids",
    "qpv_codes",
    "codes_communes",
    "venues",
    "served_vulnerability_zones",
    "hors_qpv",
    "beneficiaries",
    "starts_on",
    "ends_on",
    "multi_year",
    "previous_application_id",
    "dauphin_number",
    "state",
    "outcome",
    "year",
    "version",
)


def _snapshot(row: ApplicationRow) -> dict[str, Any]:
    """The application as its audit keeps it: ids and days as their text."""
    snapshot: dict[str, Any] = to_jsonable_python({key: getattr(row, key) for key in _AUDITED})
    return snapshot


async def add_application(
    uow: UnitOfWork, references: References, actor: Principal, new: NewApplication
) -> ApplicationRow:
    """A new draft application, inside the caller's open unit of work (which commits it). Its call, its
    operator and its objectives are read at once (WriteGrounds.for_creation), then checked in this order."""
    call = await WriteGrounds(uow.session).for_creation(new.call_id, new.operator_id, _named_objectives(new.draft))
    if call is None or not actor.works_on(call.contract_code):
        raise NotFoundError("call for projects", str(new.call_id))
    await uow.changes_contract(
        call.contract_code, data_parts(call.call_id, call.year, State.DRAFT)
    )  # an action and its draft
    own = own_organisations(actor)
    if call.operator_contract_code != call.contract_code or (own is not None and new.operator_id not in own):
        raise RuleViolationError(
            "operator_id", "operator-of-contract", f"operator {new.operator_id} is not yours in this contract"
        )
    applications = ApplicationRepository(uow.session)
    if new.action_id is None:
        # Stored with its application, once the draft is checked (one statement for both).
        action = ActionRow(
            action_id=uuid.uuid4(), contract_code=call.contract_code, operator_id=new.operator_id, title=new.draft.title
        )
    else:
        found = await applications.get_action(new.action_id)
        if found is None or found.operator_id != new.operator_id:
            raise RuleViolationError(
                "action_id", "action-of-operator", f"action {new.action_id} is not one of this operator's"
            )
        action = found
        if await applications.exists_for_year(new.action_id, call.year):
            raise ConflictError(f"action {new.action_id} already has an application for {call.year}")
    columns = await _columns(
        uow, references, call.contract_code, action.action_id, call.year, new.draft, call.operational
    )
    row = ApplicationRow(
        application_id=uuid.uuid4(),
        action_id=action.action_id,
        call_id=call.call_id,
        contract_code=call.contract_code,
        operator_id=new.operator_id,
        year=call.year,
        state=State.DRAFT.value,
        version=1,
        **columns,
    )
    if new.action_id is None:
        await applications.add_with_action(action, row)
    else:
        await applications.add(row)
    await APPLICATIONS.created(uow, actor, str(row.application_id), action="application.created", after=_snapshot(row))
    return row


async def create_application(
    uow: UnitOfWork, references: References, actor: Principal, new: NewApplication
) -> ApplicationView:
    async with uow:
        row = await add_application(uow, references, actor, new)
        view = await application_view(uow, row)
        await uow.commit()
    return view


async def copy_budget(uow: UnitOfWork, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    repository = ApplicationRepository(uow.session)
    await repository.replace_budget(target_id, await repository.budget(source_id))


async def _check_editable(uow: UnitOfWork, actor: Principal, row: ApplicationRow) -> None:
    """The caller may change the content of the application (locked, visible to it) now."""
    await uow.changes_contract(row.contract_code, data_parts(row.call_id, row.year, State(row.state)))
    check_editor(actor)
    uow.check_precondition(application_etag(row))
    check_editable(State(row.state))


async def update_application(
    uow: UnitOfWork, references: References, actor: Principal, application_id: uuid.UUID, draft: Draft
) -> ApplicationView:
    async with uow:
        row = await visible_application(uow, actor, application_id, for_update=True)
        await _check_editable(uow, actor, row)
        before = _snapshot(row)
        operational = await FrameworkRepository(uow.session).operational(row.contract_code, _named_objectives(draft))
        for column, value in (
            await _columns(uow, references, row.contract_code, row.action_id, row.year, draft, operational)
        ).items():
            setattr(row, column, value)
        row.version += 1
        await APPLICATIONS.changed(
            uow, actor, str(application_id), action="application.updated", before=before, after=_snapshot(row)
        )
        view = await application_view(uow, row)
        await uow.commit()
    return view


def _budget_audit(lines: list[BudgetLine], version: int) -> dict[str, Any]:
    """A budget as the audit keeps it: every line with its account, label, amount (cents) and financer."""
    return {
        "lines": [
            {
                "account": line.account,
                "label": line.label,
                "amountCents": line.amount_cents,
                "institutionId": str(line.institution_id) if line.institution_id else None,
            }
            for line in lines
        ],
        "version": version,
    }


async def replace_budget(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, lines: list[BudgetLine]
) -> ApplicationView:
    """The whole CERFA budget at once (whole euros); its balance is checked at submission."""
    async with uow:
        locked, financers = await WriteGrounds(uow.session).locked_with_financers(application_id)
        row = seen(actor, locked, "application", application_id)
        await _check_editable(uow, actor, row)
        check_budget_lines(lines, financers)
        version = row.version
        replaced = await ApplicationRepository(uow.session).replace_budget(application_id, lines, raising=row)
        await APPLICATIONS.changed(
            uow,
            actor,
            str(application_id),
            action="application.budget_replaced",
            before=_budget_audit(replaced, version),
            after=_budget_audit(lines, row.version),
        )
        view = await application_view(uow, row)
        await uow.commit()
    return view
