"""Actions and their yearly applications: drafting, the CERFA budget, the instruction workflow, each
financer's line, and each institution's private notes.

Object-level rules: an operator's users reach only their organisation's applications (others answer
like missing ones); a financer's users set only their institution's line; notes are read only by the
institution that wrote them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from kit.auth.principal import Principal, Role
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.tenancy import ContractRegistry, require_contract
from kit.unit_of_work import UnitOfWork
from services.grants.calls.repository import CallRepository
from services.grants.clients.territories import CommuneLookup
from services.grants.db.models import (
    ActionRow,
    AnnotationRow,
    ApplicationEventRow,
    ApplicationRow,
    BudgetLineRow,
    FinancingLineRow,
)
from services.grants.db.repositories import ApplicationRepository, ConventionRepository, PaymentRepository
from services.grants.domain.applications import (
    EDITABLE,
    NEEDS_REASON,
    OPERATOR_MOVES,
    BudgetLine,
    FinancingLine,
    LineDecision,
    Opinion,
    State,
    Transition,
    check_budget_lines,
    check_line_amounts,
    check_submission,
    next_state,
    normalised_dauphin,
    outcome_of,
    requested_by_financer,
)
from services.grants.domain.conventions import CONVENTION_THRESHOLD_CENTS, needs_convention
from services.grants.errors import (
    ConflictError,
    ForbiddenMoveError,
    NotEditableError,
    NotFoundError,
    RulesBrokenError,
    RuleViolationError,
)
from services.grants.framework.repository import FrameworkRepository
from services.grants.institutions.models import InstitutionRow
from services.grants.institutions.repository import InstitutionRepository
from services.grants.money import spaced
from services.grants.operators.domain import own_organisations, sees_records_of
from services.grants.operators.repository import OperatorRepository
from services.grants.persistence import ledger

INSTRUCTORS = frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE})
FINANCERS = frozenset({Role.STATE, Role.CO_FINANCER})


@dataclass(frozen=True, slots=True)
class Draft:
    """What an operator writes in an application (all optional but the call, operator and title)."""

    title: str
    description: str | None = None
    primary_objective_id: uuid.UUID | None = None
    other_objective_ids: tuple[uuid.UUID, ...] = ()
    qpv_codes: tuple[str, ...] = ()
    codes_communes: tuple[str, ...] = ()
    beneficiaries: dict[str, Any] = field(default_factory=dict)
    starts_on: date | None = None
    ends_on: date | None = None
    multi_year: bool = False
    previous_application_id: uuid.UUID | None = None
    dauphin_number: str | None = None


@dataclass(frozen=True, slots=True)
class ApplicationView:
    row: ApplicationRow
    budget: list[BudgetLineRow]
    financing: list[FinancingLineRow]
    events: list[ApplicationEventRow]
    institutions: dict[uuid.UUID, InstitutionRow]


async def _view(
    repository: ApplicationRepository, institutions: InstitutionRepository, row: ApplicationRow
) -> ApplicationView:
    return ApplicationView(
        row=row,
        budget=await repository.budget(row.application_id),
        financing=await repository.financing(row.application_id),
        events=await repository.events(row.application_id),
        institutions={item.institution_id: item for item in await institutions.list(row.contract_code)},
    )


async def visible_application(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, *, for_update: bool = False
) -> ApplicationRow:
    row = await ApplicationRepository(uow.session).get(application_id, for_update=for_update)
    if row is None or not sees_records_of(actor, row.contract_code, row.operator_id):
        raise NotFoundError("application", str(application_id))
    return row


@dataclass(frozen=True, slots=True)
class References:
    """What territories says of contracts and communes (cached clients)."""

    contracts: ContractRegistry
    communes: CommuneLookup


async def _check_draft(
    uow: UnitOfWork, references: References, contract_code: str, action_id: uuid.UUID, year: int, draft: Draft
) -> dict[str, Any]:
    """The columns a draft sets, once its references are checked (objectives, QPVs, previous year)."""
    wanted = {*draft.other_objective_ids, *([draft.primary_objective_id] if draft.primary_objective_id else [])}
    found = await FrameworkRepository(uow.session).operational(contract_code, wanted)
    for name, ids in (
        ("primaryObjectiveId", {draft.primary_objective_id} - {None}),
        ("otherObjectiveIds", set(draft.other_objective_ids)),
    ):
        missing = sorted(str(item) for item in ids - found)
        if missing:
            message = f"not an operational objective of {contract_code}: {', '.join(missing)}"
            raise RuleViolationError(name, "operational-objective-of-contract", message)
    contract = await require_contract(references.contracts, contract_code)
    if draft.qpv_codes:
        foreign = sorted(set(draft.qpv_codes) - set(contract.qpv_codes))
        if foreign:
            message = (
                f"QPV {', '.join(foreign)} not among the contract's QPV of its generation"
                f" ({', '.join(contract.qpv_codes)})"
            )
            raise RuleViolationError("qpvCodes", "qpv-of-contract", message)
    for code in sorted(set(draft.codes_communes)):
        commune = await references.communes.find(code)
        if commune is None:
            raise RuleViolationError("codesCommunes", "known-commune", f"commune {code} not found")
        if commune.code_epci != contract.code_epci:
            raise RuleViolationError(
                "codesCommunes",
                "commune-of-contract",
                f"commune {code} is not in the contract's EPCI {contract.code_epci}",
            )
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        raise RuleViolationError("endsOn", "after-start", "endsOn must not precede startsOn")
    if draft.previous_application_id is not None:
        previous = await ApplicationRepository(uow.session).get(draft.previous_application_id)
        if previous is None or previous.action_id != action_id or previous.year >= year:
            raise RuleViolationError(
                "previousApplicationId",
                "earlier-year-of-action",
                "the renewed application is an earlier year of the same action",
            )
    return {
        "title": draft.title,
        "description": draft.description,
        "primary_objective_id": draft.primary_objective_id,
        "other_objective_ids": list(draft.other_objective_ids),
        "qpv_codes": sorted(set(draft.qpv_codes)),
        "codes_communes": sorted(set(draft.codes_communes)),
        "hors_qpv": not draft.qpv_codes,
        "beneficiaries": draft.beneficiaries,
        "starts_on": draft.starts_on,
        "ends_on": draft.ends_on,
        "multi_year": draft.multi_year,
        "previous_application_id": draft.previous_application_id,
        "dauphin_number": draft.dauphin_number,
        "dauphin_normalised": normalised_dauphin(draft.dauphin_number) if draft.dauphin_number else None,
    }


def _snapshot(row: ApplicationRow) -> dict[str, Any]:
    keys = ("title", "state", "outcome", "qpv_codes", "hors_qpv", "year", "version")
    return {key: getattr(row, key) for key in keys}


async def create_application(
    uow: UnitOfWork,
    references: References,
    actor: Principal,
    call_id: uuid.UUID,
    operator_id: uuid.UUID,
    action_id: uuid.UUID | None,
    draft: Draft,
) -> ApplicationView:
    async with uow:
        row = await add_application(uow, references, actor, call_id, operator_id, action_id, draft)
        view = await _view(ApplicationRepository(uow.session), InstitutionRepository(uow.session), row)
        await uow.commit()
    return view


def _a_year_later(day: date | None) -> date | None:
    if day is None:
        return None
    return day.replace(year=day.year + 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year + 1)


def renewal_of(previous: ApplicationRow) -> Draft:
    """Next year's draft of an action, pre-filled from this year's application (a new Dauphin number to come)."""
    return Draft(
        title=previous.title,
        description=previous.description,
        primary_objective_id=previous.primary_objective_id,
        other_objective_ids=tuple(previous.other_objective_ids or ()),
        qpv_codes=tuple(previous.qpv_codes or ()),
        codes_communes=tuple(previous.codes_communes or ()),
        beneficiaries=dict(previous.beneficiaries or {}),
        starts_on=_a_year_later(previous.starts_on),
        ends_on=_a_year_later(previous.ends_on),
        multi_year=True,
        previous_application_id=previous.application_id,
    )


async def copy_budget(uow: UnitOfWork, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    repository = ApplicationRepository(uow.session)
    lines = await repository.budget(source_id)
    await repository.replace_budget(
        target_id,
        [
            BudgetLineRow(
                application_id=target_id,
                position=line.position,
                account=line.account,
                label=line.label,
                amount_cents=line.amount_cents,
                institution_id=line.institution_id,
            )
            for line in lines
        ],
    )


async def add_application(
    uow: UnitOfWork,
    references: References,
    actor: Principal,
    call_id: uuid.UUID,
    operator_id: uuid.UUID,
    action_id: uuid.UUID | None,
    draft: Draft,
) -> ApplicationRow:
    """A new draft application, inside the caller's open unit of work (which commits it)."""
    call = await CallRepository(uow.session).get(call_id)
    if call is None or not actor.works_on(call.contract_code):
        raise NotFoundError("call for projects", str(call_id))
    operator = await OperatorRepository(uow.session).get(operator_id)
    own = own_organisations(actor)
    if operator is None or operator.contract_code != call.contract_code or (own is not None and operator_id not in own):
        raise RuleViolationError(
            "operatorId", "operator-of-contract", f"operator {operator_id} is not yours in this contract"
        )
    applications = ApplicationRepository(uow.session)
    if action_id is None:
        action = ActionRow(
            action_id=uuid.uuid4(), contract_code=call.contract_code, operator_id=operator_id, title=draft.title
        )
        await applications.add(action)
    else:
        found = await applications.get_action(action_id)
        if found is None or found.operator_id != operator_id:
            raise RuleViolationError(
                "actionId", "action-of-operator", f"action {action_id} is not one of this operator's"
            )
        action = found
        if await applications.exists_for_year(action_id, call.year):
            raise ConflictError(f"action {action_id} already has an application for {call.year}")
    columns = await _check_draft(uow, references, call.contract_code, action.action_id, call.year, draft)
    row = ApplicationRow(
        application_id=uuid.uuid4(),
        action_id=action.action_id,
        call_id=call.call_id,
        contract_code=call.contract_code,
        operator_id=operator_id,
        year=call.year,
        state=State.DRAFT.value,
        version=1,
        **columns,
    )
    await applications.add(row)
    await ledger.created(
        uow.session,
        actor,
        action="application.created",
        entity_type="application",
        entity_id=str(row.application_id),
        after=_snapshot(row),
    )
    return row


async def get_application(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> ApplicationView:
    async with uow.reading():
        row = await visible_application(uow, actor, application_id)
        return await _view(ApplicationRepository(uow.session), InstitutionRepository(uow.session), row)


async def list_applications(
    uow: UnitOfWork,
    actor: Principal,
    contract_code: str,
    call_id: uuid.UUID | None,
    state: State | None,
    page: PageRequest,
) -> tuple[list[ApplicationRow], int]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await ApplicationRepository(uow.session).find(
            contract_code, own_organisations(actor), call_id, state.value if state else None, page
        )


def application_etag(row: ApplicationRow) -> str:
    """One version for the application and what is written through it (budget, financing lines)."""
    return etag_of(str(row.application_id), row.version)


async def _editable_row(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> ApplicationRow:
    """The application, locked, if the caller may change its content now."""
    row = await visible_application(uow, actor, application_id, for_update=True)
    # The operator's own users (visibility is checked above) or the instructors.
    if own_organisations(actor) is None and not actor.roles & INSTRUCTORS:
        raise ForbiddenMoveError("only the operator or the instructors change an application")
    uow.check_precondition(application_etag(row))
    if State(row.state) not in EDITABLE:
        raise NotEditableError(f"an application is changed in draft or correction_requested, not {row.state}")
    return row


async def update_application(
    uow: UnitOfWork,
    references: References,
    actor: Principal,
    application_id: uuid.UUID,
    draft: Draft,
) -> ApplicationView:
    async with uow:
        row = await _editable_row(uow, actor, application_id)
        before = _snapshot(row)
        for column, value in (
            await _check_draft(uow, references, row.contract_code, row.action_id, row.year, draft)
        ).items():
            setattr(row, column, value)
        row.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="application.updated",
            entity_type="application",
            entity_id=str(application_id),
            before=before,
            after=_snapshot(row),
        )
        view = await _view(ApplicationRepository(uow.session), InstitutionRepository(uow.session), row)
        await uow.commit()
    return view


async def replace_budget(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    lines: list[BudgetLine],
) -> ApplicationView:
    """The whole CERFA budget at once (whole euros); its balance is checked at submission."""
    async with uow:
        row = await _editable_row(uow, actor, application_id)
        institutions = {
            item.institution_id: item.code for item in await InstitutionRepository(uow.session).list(row.contract_code)
        }
        check_budget_lines(lines, institutions)
        repository = ApplicationRepository(uow.session)
        before = _budget_audit(_budget(await repository.budget(application_id)))
        await repository.replace_budget(
            application_id,
            [
                BudgetLineRow(
                    application_id=application_id,
                    position=position,
                    account=line.account,
                    label=line.label,
                    amount_cents=line.amount_cents,
                    institution_id=line.institution_id,
                )
                for position, line in enumerate(lines)
            ],
        )
        row.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="application.budget_replaced",
            entity_type="application",
            entity_id=str(application_id),
            before={**before, "version": row.version - 1},
            after={**_budget_audit(lines), "version": row.version},
        )
        view = await _view(repository, InstitutionRepository(uow.session), row)
        await uow.commit()
    return view


def _budget_audit(lines: list[BudgetLine]) -> dict[str, Any]:
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
        ]
    }


def _budget(rows: list[BudgetLineRow]) -> list[BudgetLine]:
    return [BudgetLine(row.account, row.label, row.amount_cents, row.institution_id) for row in rows]


def financing_line_of(row: FinancingLineRow) -> FinancingLine:
    return FinancingLine(
        institution_id=row.institution_id,
        requested_cents=row.requested_cents,
        proposed_cents=row.proposed_cents,
        decided_cents=row.decided_cents,
        opinion=Opinion(row.opinion) if row.opinion else None,
        opinion_comment=row.opinion_comment,
        decision=LineDecision(row.decision) if row.decision else None,
    )


async def _open_financing_lines(
    repository: ApplicationRepository, row: ApplicationRow, budget: list[BudgetLine]
) -> None:
    """One line per financer the budget asks, with the requested amount; lines no longer asked go."""
    requested = requested_by_financer(budget)
    existing = {line.institution_id: line for line in await repository.financing(row.application_id, for_update=True)}
    await repository.remove_financing(row.application_id, set(existing) - set(requested))
    for institution_id, amount in requested.items():
        line = existing.get(institution_id)
        if line is None:
            await repository.add(
                FinancingLineRow(
                    application_id=row.application_id,
                    institution_id=institution_id,
                    contract_code=row.contract_code,
                    year=row.year,
                    requested_cents=amount,
                )
            )
        else:
            line.requested_cents = amount


async def move(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    transition: Transition,
    reason: str | None,
) -> ApplicationView:
    """One step of the workflow, with its event; the rules of the step are checked first, all of them."""
    async with uow:
        row = await visible_application(uow, actor, application_id, for_update=True)
        uow.check_precondition(application_etag(row))
        operator_side = own_organisations(actor) is not None
        if operator_side and transition not in OPERATOR_MOVES:
            raise ForbiddenMoveError(f"{transition.value} belongs to the instructors")
        if not operator_side and not actor.roles & INSTRUCTORS:
            raise ForbiddenMoveError(f"{transition.value} belongs to the operator or the instructors")
        if transition in NEEDS_REASON and not (reason and reason.strip()):
            raise RuleViolationError("reason", "reason-required", f"{transition.value} needs a reason")
        before = State(row.state)
        after = next_state(before, transition)
        repository = ApplicationRepository(uow.session)
        institutions = InstitutionRepository(uow.session)
        if transition is Transition.SUBMIT:
            budget = _budget(await repository.budget(application_id))
            check_submission(budget)
            await _check_reports_delivered(uow, row)
            await _open_financing_lines(repository, row, budget)
            row.submitted_at = datetime.now(UTC)
        elif transition is Transition.DECIDE:
            names = {item.institution_id: item.nom for item in await institutions.list(row.contract_code)}
            row.outcome = outcome_of(
                [financing_line_of(line) for line in await repository.financing(application_id)], names
            ).value
        elif transition is Transition.NOTIFY:
            await _check_conventions(uow, row, repository, institutions)
        elif transition is Transition.REOPEN:
            row.outcome = None
        row.state = after.value
        row.version += 1
        await repository.add(
            ApplicationEventRow(
                application_id=application_id,
                at=datetime.now(UTC),
                actor=actor.subject,
                actor_institution=actor.institution,
                transition=transition.value,
                from_state=before.value,
                to_state=after.value,
                reason=reason,
            )
        )
        await ledger.changed(
            uow.session,
            actor,
            action=f"application.{transition.value}",
            entity_type="application",
            entity_id=str(application_id),
            before={"state": before.value},
            after={"state": after.value, "reason": reason},
        )
        view = await _view(repository, institutions, row)
        await uow.commit()
    return view


async def _check_reports_delivered(uow: UnitOfWork, row: ApplicationRow) -> None:
    """The financial reports of the operator's years already ended come before any new request (CERFA
    15059: within six months of the year's end "and before any new request")."""
    this_year = datetime.now(UTC).year
    # A report is due on 30 June of the next year: due before 1 July of this year = a year already ended.
    pending = await PaymentRepository(uow.session).overdue_reports(
        row.contract_code, {row.operator_id}, date(this_year, 7, 1)
    )
    if pending:
        raise RulesBrokenError(
            [
                RuleViolationError(
                    "financialReport",
                    "report-before-new-request",
                    f"the financial report of {application.title} ({application.year}) is {status}:"
                    " send it before a new request",
                )
                for application, status in pending
            ]
        )


async def _check_conventions(
    uow: UnitOfWork, row: ApplicationRow, repository: ApplicationRepository, institutions: InstitutionRepository
) -> None:
    """Each decision above the threshold is notified only under a signed convention for that year."""
    above = [line for line in await repository.financing(row.application_id) if needs_convention(line.decided_cents)]
    if not above:
        return
    covered = await ConventionRepository(uow.session).signed_covering(
        row.operator_id, row.year, [line.institution_id for line in above]
    )
    names = {item.institution_id: item.nom for item in await institutions.list(row.contract_code)}
    broken = [
        RuleViolationError(
            "financingLines",
            "convention-required",
            f"{names[line.institution_id]} decided {spaced(line.decided_cents or 0)} for {row.year}: above"
            f" {spaced(CONVENTION_THRESHOLD_CENTS)}, it is notified under a signed convention only",
        )
        for line in above
        if line.institution_id not in covered
    ]
    if broken:
        raise RulesBrokenError(broken)


LINE_STATES = frozenset({State.SUBMITTED, State.RECEIVABLE, State.UNDER_INSTRUCTION, State.PROPOSED})


async def set_financing_line(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    changes: dict[str, Any],
) -> ApplicationView:
    """A financer's own line: its opinion, proposed and decided amounts, and decision."""
    async with uow:
        row = await visible_application(uow, actor, application_id, for_update=True)
        institution = await InstitutionRepository(uow.session).get(institution_id)
        repository = ApplicationRepository(uow.session)
        lines = {line.institution_id: line for line in await repository.financing(application_id, for_update=True)}
        if institution is None or institution_id not in lines:
            raise NotFoundError("financing line", str(institution_id))
        own_line = bool(actor.roles & FINANCERS) and actor.institution == institution.code
        if not (own_line or actor.roles & {Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT}):
            raise ForbiddenMoveError(f"only {institution.nom} or the contract's pilots set this line")
        uow.check_precondition(application_etag(row))
        if State(row.state) not in LINE_STATES:
            raise NotEditableError(f"financing lines are set from submission to proposal, not in {row.state}")
        stored = lines[institution_id]
        line = financing_line_of(stored)
        for name, value in changes.items():
            setattr(line, name, value)
        if line.decision in {LineDecision.REFUSED, LineDecision.NO_FOLLOW_UP} and "decided_cents" not in changes:
            line.decided_cents = 0
        check_line_amounts(line, institution.nom)
        before = {
            "proposedCents": stored.proposed_cents,
            "decidedCents": stored.decided_cents,
            "opinion": stored.opinion,
            "decision": stored.decision,
            "version": row.version,
        }
        stored.proposed_cents = line.proposed_cents
        stored.decided_cents = line.decided_cents
        stored.opinion = line.opinion.value if line.opinion else None
        stored.opinion_comment = line.opinion_comment
        stored.decision = line.decision.value if line.decision else None
        row.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="financing_line.set",
            entity_type="financing_line",
            entity_id=f"{application_id}/{institution_id}",
            before=before,
            after={
                "proposedCents": stored.proposed_cents,
                "decidedCents": stored.decided_cents,
                "opinion": stored.opinion,
                "decision": stored.decision,
                "version": row.version,
            },
        )
        await uow.session.flush()
        view = await _view(repository, InstitutionRepository(uow.session), row)
        await uow.commit()
    return view


def _institution_of(actor: Principal) -> str:
    if own_organisations(actor) is not None or not actor.institution:
        raise ForbiddenMoveError("private notes belong to an institution; this caller speaks for none")
    return actor.institution


async def add_annotation(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, text: str, score: int | None
) -> AnnotationRow:
    institution = _institution_of(actor)
    async with uow:
        await visible_application(uow, actor, application_id)
        note = AnnotationRow(
            annotation_id=uuid.uuid4(),
            application_id=application_id,
            institution_code=institution,
            author=actor.subject,
            text=text,
            score=score,
            created_at=datetime.now(UTC),
        )
        await ApplicationRepository(uow.session).add(note)
        await ledger.changed(
            uow.session,
            actor,
            action="annotation.added",
            entity_type="annotation",
            entity_id=str(note.annotation_id),
            before={},
            after={"institution": institution, "score": score},
        )
        await uow.commit()
    return note


async def list_annotations(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> list[AnnotationRow]:
    institution = _institution_of(actor)
    async with uow.reading():
        await visible_application(uow, actor, application_id)
        return await ApplicationRepository(uow.session).annotations(application_id, institution)
