"""Conventions: created, signed, amended, suspended, terminated; read by their parties."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from identity.principal import Principal
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.conventions.domain import (
    Convention,
    ConventionKind,
    ConventionMove,
    ConventionStatus,
    ConventionView,
    Term,
    YearAmount,
    check_amendable,
    check_move,
    check_party,
    next_status,
    reading_party,
    total_of,
)
from services.grants.conventions.models import ConventionRow
from services.grants.conventions.repository import ConventionRepository, amount_of, convention_of
from services.grants.conventions.use_cases.access import (
    CONVENTIONS,
    check_managed,
    contract_institutions,
    convention_etag,
    convention_event,
    convention_view,
    visible_convention,
)
from services.grants.errors import ConflictError, NotFoundError, RuleViolationError
from services.grants.institutions.domain import Institution
from services.grants.operators.domain import own_organisations
from services.grants.operators.repository import OperatorRepository


@dataclass(frozen=True, slots=True)
class ConventionDraft:
    operator_id: uuid.UUID
    reference: str
    kind: ConventionKind
    first_year: int
    last_year: int
    amounts: tuple[YearAmount, ...]
    total_cents: int | None = None


def _financers(
    known: dict[uuid.UUID, Institution],
    contract_code: str,
    term: Term,
    amounts: Sequence[YearAmount],
    total_cents: int | None,
) -> list[str]:
    """The codes of the financers the amounts name, once each amount is checked against the term."""
    for index, amount in enumerate(amounts):
        if amount.institution_id not in known:
            raise RuleViolationError(
                f"amounts/{index}/institution_id",
                "institution-of-contract",
                f"institution {amount.institution_id} is not a financer of {contract_code}",
            )
    total_of(term, amounts, total_cents)
    return [known[item].code for item in dict.fromkeys(amount.institution_id for amount in amounts)]


def _amounts_snapshot(amounts: Sequence[YearAmount]) -> list[dict[str, Any]]:
    return [
        {"year": item.year, "institutionId": str(item.institution_id), "amountCents": item.amount_cents}
        for item in amounts
    ]


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
                "operator_id", "operator-of-contract", f"operator {draft.operator_id} is not one of {contract_code}"
            )
        known = await contract_institutions(uow, contract_code)
        check_party(actor, _financers(known, contract_code, term, draft.amounts, draft.total_cents))
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
        await repository.add_amounts(row.convention_id, draft.amounts)
        await CONVENTIONS.created(
            uow,
            actor,
            str(row.convention_id),
            action="convention.created",
            after={"reference": row.reference, "kind": row.kind, "amounts": _amounts_snapshot(draft.amounts)},
        )
        view = await convention_view(uow, row, known)
        await uow.commit()
    return view


async def get_convention(uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID) -> ConventionView:
    async with uow.reading():
        return await convention_view(uow, await visible_convention(uow, actor, convention_id))


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
        amounts_of: dict[uuid.UUID, list[YearAmount]] = {}
        for item in await repository.amounts(ids):
            amounts_of.setdefault(item.convention_id, []).append(amount_of(item))
        amounts = [amount for found in amounts_of.values() for amount in found]
        years_of: dict[uuid.UUID, dict[int, uuid.UUID]] = {}
        for link in await repository.applications(ids):
            years_of.setdefault(link.convention_id, {})[link.year] = link.application_id
        institutions = await contract_institutions(uow, contract_code)
        codes = {key: item.code for key, item in institutions.items()}
        voted = await repository.voted_years(contract_code, {amount.institution_id for amount in amounts})
        views = [
            ConventionView(
                convention=convention_of(row),
                amounts=amounts_of.get(row.convention_id, []),
                years=years_of.get(row.convention_id, {}),
                events=[],
                codes=codes,
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
    check_move(move, reason, on)
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        known = await contract_institutions(uow, row.contract_code)
        await check_managed(uow, actor, row, known)
        uow.check_precondition(convention_etag(row))
        before = ConventionStatus(row.status)
        row.status = next_status(before, move).value
        if move is ConventionMove.SIGN:
            row.signed_on = on
        row.status_reason = reason
        row.version += 1
        await ConventionRepository(uow.session).add(
            convention_event(uow, actor, row, move.value, before.value, reason, on=on.isoformat() if on else None)
        )
        await CONVENTIONS.changed(
            uow,
            actor,
            str(convention_id),
            action=f"convention.{move.value}",
            before={"status": before.value},
            after={"status": row.status},
            reason=reason,
        )
        view = await convention_view(uow, row, known)
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
        check_amendable(ConventionStatus(row.status))
        term = Term(ConventionKind(row.kind), row.first_year, last_year)
        repository = ConventionRepository(uow.session)
        before = [amount_of(item) for item in await repository.amounts([convention_id])]
        known = await contract_institutions(uow, row.contract_code)
        financers = _financers(known, row.contract_code, term, amounts, total_cents)
        check_party(actor, [*financers, *(known[amount.institution_id].code for amount in before)])
        linked = [link for link in await repository.applications([convention_id]) if link.year > last_year]
        if linked:
            raise RuleViolationError(
                "last_year", "linked-years-kept", f"year {linked[0].year} carries an application: the term keeps it"
            )
        row.last_year = last_year
        row.version += 1
        await repository.replace_amounts(convention_id, amounts)
        await repository.add(
            convention_event(
                uow,
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
        await CONVENTIONS.changed(
            uow,
            actor,
            str(convention_id),
            action="convention.amended",
            before={"amounts": _amounts_snapshot(before)},
            after={"amounts": _amounts_snapshot(amounts), "lastYear": last_year},
            reason=reason,
        )
        view = await convention_view(uow, row, known)
        await uow.commit()
    return view


async def managed_convention(uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID) -> Convention:
    """The convention, locked, if the caller manages it (a pilot, or one of its financers) and its If-Match
    holds: for the features that end it (its final evaluation)."""
    row = await visible_convention(uow, actor, convention_id, for_update=True)
    await check_managed(uow, actor, row, await contract_institutions(uow, row.contract_code))
    uow.check_precondition(convention_etag(row))
    return convention_of(row)


async def close_convention(uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID, **details: Any) -> Convention:
    """The convention closed by its final evaluation (no more years, indicators or values), its history
    saying how; inside the caller's unit of work, which holds its lock."""
    repository = ConventionRepository(uow.session)
    row = await repository.get(convention_id, for_update=True)
    if row is None:
        raise NotFoundError("convention", str(convention_id))
    before = row.status
    row.status, row.version = ConventionStatus.CLOSED.value, row.version + 1
    await repository.add(convention_event(uow, actor, row, "final_evaluation", before, None, **details))
    return convention_of(row)
