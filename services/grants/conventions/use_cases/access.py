"""Reading a convention: who reads it (its operator's users, its financers, the pilots, the State, the
auditors; others answer like a missing one), its parties, how it reads back, and its ETag."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from identity.principal import Principal
from kit.etags import etag_of
from kit.unit_of_work import UnitOfWork
from services.grants.conventions.domain import Convention, ConventionView, check_party, reading_party
from services.grants.conventions.models import ConventionEventRow, ConventionRow
from services.grants.conventions.repository import ConventionRepository, amount_of, convention_of
from services.grants.errors import NotFoundError
from services.grants.institutions.domain import Institution
from services.grants.institutions.repository import InstitutionRepository
from services.grants.operators.domain import seen
from services.grants.persistence import Audited

CONVENTIONS = Audited("convention")


def convention_etag(convention: Convention | ConventionRow) -> str:
    return etag_of(str(convention.convention_id), convention.version)


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
    row = seen(
        actor,
        await ConventionRepository(uow.session).get(convention_id, for_update=for_update),
        "convention",
        convention_id,
    )
    if not await readable_conventions(uow, actor, [convention_id]):
        raise NotFoundError("convention", str(convention_id))
    return row


async def check_managed(
    uow: UnitOfWork, actor: Principal, row: ConventionRow, institutions: dict[uuid.UUID, Institution]
) -> None:
    """The caller manages the convention: a pilot, or one of its financers (those it has amounts of)."""
    amounts = await ConventionRepository(uow.session).amounts([row.convention_id])
    check_party(actor, {institutions[amount.institution_id].code for amount in amounts})


async def contract_institutions(uow: UnitOfWork, contract_code: str) -> dict[uuid.UUID, Institution]:
    return await InstitutionRepository(uow.session).of_contract(contract_code)


async def convention_view(
    uow: UnitOfWork, row: ConventionRow, institutions: dict[uuid.UUID, Institution] | None = None
) -> ConventionView:
    """The convention as read back; `institutions`: the contract's, when the caller has them already."""
    repository = ConventionRepository(uow.session)
    amounts = [amount_of(item) for item in await repository.amounts([row.convention_id])]
    institutions = institutions if institutions is not None else await contract_institutions(uow, row.contract_code)
    return ConventionView(
        convention=convention_of(row),
        amounts=amounts,
        years={link.year: link.application_id for link in await repository.applications([row.convention_id])},
        events=await repository.events(row.convention_id),
        codes={key: item.code for key, item in institutions.items()},
        voted=await repository.voted_years(row.contract_code, {amount.institution_id for amount in amounts}),
    )


def convention_event(
    uow: UnitOfWork,
    actor: Principal,
    row: ConventionRow,
    event: str,
    from_status: str,
    reason: str | None,
    **details: Any,
) -> ConventionEventRow:
    """A step of the convention's history, to the status the row holds now, at the unit of work's instant."""
    return ConventionEventRow(
        convention_id=row.convention_id,
        at=uow.now(),
        actor=actor.subject,
        actor_institution=actor.institution,
        event=event,
        from_status=from_status,
        to_status=row.status,
        reason=reason,
        details=details,
    )
