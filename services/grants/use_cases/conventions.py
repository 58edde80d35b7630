"""Conventions: created, signed, amended, suspended, terminated; each year linked to that year's application."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from kit.auth.principal import Principal, Role
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import NewApplication, renewal_of
from services.grants.applications.repository import ApplicationRepository, application_of
from services.grants.applications.use_cases.drafting import add_application, copy_budget
from services.grants.calls.repository import CallRepository
from services.grants.clients.territories import References
from services.grants.db.models import ConventionAmountRow, ConventionApplicationRow, ConventionEventRow, ConventionRow
from services.grants.db.repositories import ConventionRepository
from services.grants.domain.conventions import (
    ENDED,
    NEEDS_REASON,
    ConventionKind,
    ConventionMove,
    ConventionStatus,
    Term,
    YearAmount,
    next_status,
    total_of,
)
from services.grants.errors import (
    ConflictError,
    ForbiddenMoveError,
    NotEditableError,
    NotFoundError,
    RuleViolationError,
)
from services.grants.institutions.models import InstitutionRow
from services.grants.institutions.repository import InstitutionRepository
from services.grants.operators.domain import own_organisations, sees_records_of
from services.grants.operators.repository import OperatorRepository
from services.grants.persistence import ledger

CONTRACT_MANAGERS = frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT})
AMENDABLE = frozenset({ConventionStatus.DRAFT, ConventionStatus.SIGNED})
# A convention binds its operator and its financers: besides them, the contract's pilots, the State and
# auditors read it; another co-financer of the contract reads none of it (404, like a missing record).
CONVENTION_READERS = frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.AUDITOR})


@dataclass(frozen=True, slots=True)
class ConventionDraft:
    operator_id: uuid.UUID
    reference: str
    kind: ConventionKind
    first_year: int
    last_year: int
    amounts: tuple[YearAmount, ...]
    total_cents: int | None = None


@dataclass(frozen=True, slots=True)
class ConventionView:
    row: ConventionRow
    amounts: list[ConventionAmountRow]
    applications: list[ConventionApplicationRow]
    events: list[ConventionEventRow]
    institutions: dict[uuid.UUID, InstitutionRow]
    voted: set[tuple[int, uuid.UUID]]

    @property
    def total_cents(self) -> int:
        return sum(amount.amount_cents for amount in self.amounts)


def convention_etag(row: ConventionRow) -> str:
    return etag_of(str(row.convention_id), row.version)


def reading_party(actor: Principal) -> str | None:
    """The institution the caller reads conventions as a party of (its financers' amounts name it); None
    when it reads them without being a party: pilots, State, auditors, or an operator's users (their own
    organisation's conventions, by the operators' rule)."""
    if actor.roles & CONVENTION_READERS or own_organisations(actor) is not None:
        return None
    return actor.institution or ""


async def readable_conventions(
    uow: UnitOfWork, actor: Principal, convention_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of the conventions (of contracts the caller works on) that the caller reads."""
    party = reading_party(actor)
    if party is None:
        return set(convention_ids)
    return await ConventionRepository(uow.session).with_party(convention_ids, party)


async def visible_convention(
    uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID, *, for_update: bool = False
) -> ConventionRow:
    row = await ConventionRepository(uow.session).get(convention_id, for_update=for_update)
    if (
        row is None
        or not sees_records_of(actor, row.contract_code, row.operator_id)
        or not await readable_conventions(uow, actor, [convention_id])
    ):
        raise NotFoundError("convention", str(convention_id))
    return row


def require_party(actor: Principal, financers: Sequence[InstitutionRow]) -> None:
    """The contract's pilots manage every convention; a financer only those it is party to."""
    if actor.roles & CONTRACT_MANAGERS:
        return
    if not any(institution.code == actor.institution for institution in financers):
        raise ForbiddenMoveError("only the contract's pilots and the convention's financers manage it")


async def contract_institutions(uow: UnitOfWork, contract_code: str) -> dict[uuid.UUID, InstitutionRow]:
    return {row.institution_id: row for row in await InstitutionRepository(uow.session).list(contract_code)}


async def convention_parties(
    uow: UnitOfWork, row: ConventionRow, institutions: dict[uuid.UUID, InstitutionRow]
) -> list[InstitutionRow]:
    """The financers a convention has amounts of."""
    amounts = await ConventionRepository(uow.session).amounts([row.convention_id])
    return [institutions[amount.institution_id] for amount in amounts]


def _checked_amounts(
    known: dict[uuid.UUID, InstitutionRow],
    contract_code: str,
    term: Term,
    amounts: Sequence[YearAmount],
    total_cents: int | None,
) -> list[InstitutionRow]:
    for index, amount in enumerate(amounts):
        if amount.institution_id not in known:
            raise RuleViolationError(
                f"amounts/{index}/institutionId",
                "institution-of-contract",
                f"institution {amount.institution_id} is not a financer of {contract_code}",
            )
    total_of(term, amounts, total_cents)
    return [known[item] for item in dict.fromkeys(amount.institution_id for amount in amounts)]


async def _view(
    uow: UnitOfWork, row: ConventionRow, institutions: dict[uuid.UUID, InstitutionRow] | None = None
) -> ConventionView:
    """The convention as read back; `institutions`: the contract's, when the caller has them already."""
    repository = ConventionRepository(uow.session)
    amounts = await repository.amounts([row.convention_id])
    institutions = institutions if institutions is not None else await contract_institutions(uow, row.contract_code)
    return ConventionView(
        row=row,
        amounts=amounts,
        applications=await repository.applications([row.convention_id]),
        events=await repository.events(row.convention_id),
        institutions=institutions,
        voted=await repository.voted_years(row.contract_code, {amount.institution_id for amount in amounts}),
    )


def _amount_rows(convention_id: uuid.UUID, amounts: Sequence[YearAmount]) -> list[ConventionAmountRow]:
    return [
        ConventionAmountRow(
            convention_id=convention_id,
            year=amount.year,
            institution_id=amount.institution_id,
            amount_cents=amount.amount_cents,
        )
        for amount in amounts
    ]


def _amounts_snapshot(rows: Sequence[ConventionAmountRow] | Sequence[YearAmount]) -> list[dict[str, Any]]:
    return [
        {"year": row.year, "institutionId": str(row.institution_id), "amountCents": row.amount_cents} for row in rows
    ]


def convention_event(
    actor: Principal, row: ConventionRow, event: str, from_status: str, reason: str | None, **details: Any
) -> ConventionEventRow:
    return ConventionEventRow(
        convention_id=row.convention_id,
        at=datetime.now(UTC),
        actor=actor.subject,
        actor_institution=actor.institution,
        event=event,
        from_status=from_status,
        to_status=row.status,
        reason=reason,
        details=details,
    )


async def create_convention(
    uow: UnitOfWork, actor: Principal, contract_code: str, draft: ConventionDraft
) -> ConventionView:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    term = Term(draft.kind, draft.first_year, draft.last_year)
    async with uow:
        operator = await OperatorRepository(uow.session).get(draft.operator_id)
        if operator is None or operator.contract_code != contract_code:
            raise RuleViolationError(
                "operatorId", "operator-of-contract", f"operator {draft.operator_id} is not one of {contract_code}"
            )
        known = await contract_institutions(uow, contract_code)
        financers = _checked_amounts(known, contract_code, term, draft.amounts, draft.total_cents)
        require_party(actor, financers)
        repository = ConventionRepository(uow.session)
        if await repository.reference_taken(contract_code, draft.reference):
            raise ConflictError(f"convention {draft.reference} exists in {contract_code}")
        row = ConventionRow(
            convention_id=uuid.uuid4(),
            contract_code=contract_code,
            operator_id=draft.operator_id,
            reference=draft.reference,
            kind=draft.kind.value,
            first_year=draft.first_year,
            last_year=draft.last_year,
            status=ConventionStatus.DRAFT.value,
            version=1,
        )
        await repository.add(row)
        await repository.add(*_amount_rows(row.convention_id, draft.amounts))
        await ledger.created(
            uow.session,
            actor,
            action="convention.created",
            entity_type="convention",
            entity_id=str(row.convention_id),
            after={"reference": row.reference, "kind": row.kind, "amounts": _amounts_snapshot(draft.amounts)},
        )
        view = await _view(uow, row, known)
        await uow.commit()
    return view


async def get_convention(uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID) -> ConventionView:
    async with uow.reading():
        return await _view(uow, await visible_convention(uow, actor, convention_id))


async def list_conventions(
    uow: UnitOfWork,
    actor: Principal,
    contract_code: str,
    operator_id: uuid.UUID | None,
    year: int | None,
    page: PageRequest,
) -> tuple[list[ConventionView], int]:
    if not actor.works_on(contract_code):
        return [], 0
    async with uow.reading():
        repository = ConventionRepository(uow.session)
        rows, total = await repository.find(
            contract_code, own_organisations(actor), operator_id, year, page, reading_party(actor)
        )
        ids = [row.convention_id for row in rows]
        amounts = await repository.amounts(ids)
        amounts_of: dict[uuid.UUID, list[ConventionAmountRow]] = {}
        for amount in amounts:
            amounts_of.setdefault(amount.convention_id, []).append(amount)
        links_of: dict[uuid.UUID, list[ConventionApplicationRow]] = {}
        for link in await repository.applications(ids):
            links_of.setdefault(link.convention_id, []).append(link)
        institutions = await contract_institutions(uow, contract_code)
        voted = await repository.voted_years(contract_code, {amount.institution_id for amount in amounts})
        views = [
            ConventionView(
                row=row,
                amounts=amounts_of.get(row.convention_id, []),
                applications=links_of.get(row.convention_id, []),
                events=[],
                institutions=institutions,
                voted=voted,
            )
            for row in rows
        ]
    return views, total


async def move_convention(
    uow: UnitOfWork,
    actor: Principal,
    convention_id: uuid.UUID,
    move: ConventionMove,
    reason: str | None,
    on: date | None,
) -> ConventionView:
    if move in NEEDS_REASON and not (reason and reason.strip()):
        raise RuleViolationError("reason", "reason-required", f"{move.value} needs a reason")
    if move is ConventionMove.SIGN and on is None:
        raise RuleViolationError("on", "signature-date", "sign needs the date of signature (on)")
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        known = await contract_institutions(uow, row.contract_code)
        require_party(actor, await convention_parties(uow, row, known))
        uow.check_precondition(convention_etag(row))
        before = ConventionStatus(row.status)
        row.status = next_status(before, move).value
        if move is ConventionMove.SIGN:
            row.signed_on = on
        row.status_reason = reason
        row.version += 1
        await ConventionRepository(uow.session).add(
            convention_event(actor, row, move.value, before.value, reason, on=on.isoformat() if on else None)
        )
        await ledger.changed(
            uow.session,
            actor,
            action=f"convention.{move.value}",
            entity_type="convention",
            entity_id=str(convention_id),
            before={"status": before.value},
            after={"status": row.status},
            reason=reason,
        )
        view = await _view(uow, row, known)
        await uow.commit()
    return view


async def amend_convention(
    uow: UnitOfWork,
    actor: Principal,
    convention_id: uuid.UUID,
    reason: str,
    last_year: int,
    amounts: Sequence[YearAmount],
    total_cents: int | None,
) -> ConventionView:
    """An amendment (avenant): new yearly amounts and possibly a new last year, with its reason."""
    if not reason.strip():
        raise RuleViolationError("reason", "reason-required", "an amendment needs a reason")
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        uow.check_precondition(convention_etag(row))
        status = ConventionStatus(row.status)
        if status not in AMENDABLE:
            raise NotEditableError(f"a {status.value} convention is not amended")
        term = Term(ConventionKind(row.kind), row.first_year, last_year)
        repository = ConventionRepository(uow.session)
        before = await repository.amounts([convention_id])
        known = await contract_institutions(uow, row.contract_code)
        financers = _checked_amounts(known, row.contract_code, term, amounts, total_cents)
        require_party(actor, [*financers, *(known[amount.institution_id] for amount in before)])
        linked = [link for link in await repository.applications([convention_id]) if link.year > last_year]
        if linked:
            raise RuleViolationError(
                "lastYear", "linked-years-kept", f"year {linked[0].year} carries an application: the term keeps it"
            )
        row.last_year = last_year
        row.version += 1
        await repository.replace_amounts(convention_id, _amount_rows(convention_id, amounts))
        await repository.add(
            convention_event(
                actor,
                row,
                "amend",
                row.status,
                reason,
                amountsBefore=_amounts_snapshot(before),
                amountsAfter=_amounts_snapshot(amounts),
                lastYear=last_year,
            )
        )
        await ledger.changed(
            uow.session,
            actor,
            action="convention.amended",
            entity_type="convention",
            entity_id=str(convention_id),
            before={"amounts": _amounts_snapshot(before)},
            after={"amounts": _amounts_snapshot(amounts), "lastYear": last_year},
            reason=reason,
        )
        view = await _view(uow, row, known)
        await uow.commit()
    return view


async def attach_application(
    uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID, year: int, application_id: uuid.UUID
) -> ConventionView:
    """The application that carries one year of the convention (same operator, that year)."""
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        known = await contract_institutions(uow, row.contract_code)
        require_party(actor, await convention_parties(uow, row, known))
        uow.check_precondition(convention_etag(row))
        if ConventionStatus(row.status) in ENDED:
            raise NotEditableError(f"a {row.status} convention carries no new year")
        if not row.first_year <= year <= row.last_year:
            raise RuleViolationError(
                "year", "year-in-term", f"{year} is outside the term {row.first_year}–{row.last_year}"
            )
        application = await ApplicationRepository(uow.session).get(application_id)
        if application is None or application.contract_code != row.contract_code:
            raise RuleViolationError(
                "applicationId", "application-of-contract", f"application {application_id} not found"
            )
        if application.operator_id != row.operator_id or application.year != year:
            raise RuleViolationError(
                "applicationId",
                "application-of-operator-and-year",
                f"the application is not the {year} application of the convention's operator",
            )
        repository = ConventionRepository(uow.session)
        carrying = await repository.carrying(application_id)
        linked = await repository.applications([convention_id])
        if carrying is not None or any(link.year == year for link in linked):
            raise ConflictError(f"year {year} or application {application_id} is already linked")
        link = ConventionApplicationRow(convention_id=convention_id, year=year, application_id=application_id)
        await repository.add(link)
        row.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="convention.application_attached",
            entity_type="convention",
            entity_id=str(convention_id),
            before={"year": year, "applicationId": None},
            after={"year": year, "applicationId": str(application_id)},
        )
        view = await _view(uow, row, known)
        await uow.commit()
    return view


async def renew_year(
    uow: UnitOfWork,
    references: References,
    actor: Principal,
    convention_id: uuid.UUID,
    year: int,
    call_id: uuid.UUID,
) -> ConventionView:
    """The application of one year of a multi-year convention, pre-filled from the previous year's (same
    action, content and budget, dates a year later) and linked to that year; a draft for the operator."""
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        known = await contract_institutions(uow, row.contract_code)
        if own_organisations(actor) is None:
            require_party(actor, await convention_parties(uow, row, known))
        if ConventionStatus(row.status) in ENDED:
            raise NotEditableError(f"a {row.status} convention carries no new year")
        if not row.first_year < year <= row.last_year:
            raise RuleViolationError(
                "year",
                "renewed-year",
                f"the years after the first of the term are renewed: {row.first_year + 1}–{row.last_year}",
            )
        repository = ConventionRepository(uow.session)
        links = {link.year: link for link in await repository.applications([convention_id])}
        if year in links:
            raise ConflictError(f"year {year} already carries an application")
        if year - 1 not in links:
            raise RuleViolationError("year", "previous-year-linked", f"no application carries {year - 1} to renew")
        previous = await ApplicationRepository(uow.session).get(links[year - 1].application_id)
        if previous is None:
            raise NotFoundError("application", str(links[year - 1].application_id))
        call = await CallRepository(uow.session).get(call_id)
        if call is None or call.contract_code != row.contract_code or call.year != year:
            raise RuleViolationError("callId", "call-of-year", f"not a call of {row.contract_code} for {year}")
        new = NewApplication(call_id, previous.operator_id, previous.action_id, renewal_of(application_of(previous)))
        created = await add_application(uow, references, actor, new)
        await copy_budget(uow, previous.application_id, created.application_id)
        await repository.add(
            ConventionApplicationRow(convention_id=convention_id, year=year, application_id=created.application_id)
        )
        row.version += 1
        await ledger.created(
            uow.session,
            actor,
            action="convention.year_renewed",
            entity_type="convention",
            entity_id=str(convention_id),
            after={"year": year, "applicationId": str(created.application_id)},
        )
        view = await _view(uow, row, known)
        await uow.commit()
    return view
