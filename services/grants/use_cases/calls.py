"""Calls for projects: opened by the contract's pilot or the State, read by those who work on it."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import func

from kit.auth.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.tenancy import ContractRegistry, require_contract
from kit.unit_of_work import UnitOfWork
from services.grants.db.models import CallRow
from services.grants.db.repositories import CallRepository
from services.grants.domain.calls import CallForProjects, Scheme, check_call
from services.grants.errors import (
    DuplicateCallError,
    NotBoundError,
    NotFoundError,
)
from services.grants.persistence import ledger


def call_from_row(row: CallRow) -> CallForProjects:
    return CallForProjects(
        call_id=row.call_id,
        contract_code=row.contract_code,
        year=row.year,
        scheme=Scheme(row.scheme),
        title=row.title,
        opens_on=row.opens_on,
        closes_on=row.closes_on,
        notification_target_on=row.notification_target_on,
        version=row.version,
    )


def _snapshot(call: CallForProjects) -> dict[str, Any]:
    return {key: str(value) for key, value in asdict(call).items()}


async def list_calls(
    uow: UnitOfWork, actor: Principal, year: int | None, page: PageRequest
) -> tuple[list[CallForProjects], int]:
    visible = actor.contract_scope
    async with uow.reading():
        rows, total = await CallRepository(uow.session).list_in_contracts(visible, year, page)
    return [call_from_row(row) for row in rows], total


async def get_call(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID) -> CallForProjects:
    async with uow.reading():
        row = await CallRepository(uow.session).get(call_id)
    # Another contract's call answers exactly like a missing one: no existence leak.
    if row is None or not actor.works_on(row.contract_code):
        raise NotFoundError("call for projects", str(call_id))
    return call_from_row(row)


def call_etag(call: CallForProjects) -> str:
    return etag_of(str(call.call_id), call.version)


async def open_call(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, call: CallForProjects
) -> CallForProjects:
    if not actor.works_on(call.contract_code):
        raise NotBoundError(call.contract_code)
    contract = await require_contract(registry, call.contract_code)
    check_call(call, contract.start_year, contract.end_year)
    async with uow:
        calls = CallRepository(uow.session)
        if await calls.exists(call.contract_code, call.year, call.scheme.value):
            raise DuplicateCallError(f"{call.contract_code} {call.year} {call.scheme.value}")
        await calls.add(
            CallRow(
                call_id=call.call_id,
                contract_code=call.contract_code,
                year=call.year,
                scheme=call.scheme.value,
                title=call.title,
                opens_on=call.opens_on,
                closes_on=call.closes_on,
                notification_target_on=call.notification_target_on,
                version=1,
            )
        )
        await ledger.created(
            uow.session,
            actor,
            action="call.opened",
            entity_type="call_for_projects",
            entity_id=str(call.call_id),
            after=_snapshot(call),
        )
        await uow.commit()
    return call


async def update_call(
    uow: UnitOfWork,
    registry: ContractRegistry,
    actor: Principal,
    call_id: uuid.UUID,
    changes: dict[str, Any],
) -> CallForProjects:
    async with uow:
        calls = CallRepository(uow.session)
        row = await calls.get(call_id, for_update=True)
        if row is None or not actor.works_on(row.contract_code):
            raise NotFoundError("call for projects", str(call_id))
        before = call_from_row(row)
        uow.check_precondition(call_etag(before))
        after = replace(before, **changes, version=before.version + 1)
        contract = await require_contract(registry, after.contract_code)
        check_call(after, contract.start_year, contract.end_year)
        row.title = after.title
        row.opens_on = after.opens_on
        row.closes_on = after.closes_on
        row.notification_target_on = after.notification_target_on
        row.version = after.version
        row.updated_at = func.now()
        await ledger.changed(
            uow.session,
            actor,
            action="call.updated",
            entity_type="call_for_projects",
            entity_id=str(call_id),
            before=_snapshot(before),
            after=_snapshot(after),
        )
        await uow.commit()
    return after
