"""Calls for projects: opened by the contract's pilot or the State, read by those who work on it."""

from __future__ import annotations

import uuid
from dataclasses import asdict, fields, replace
from typing import Any

from identity.contracts import ContractRegistry, require_contract
from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.calls.domain import Calendar, CallForProjects, Scheme, SchemeEnvelope, check_call
from services.grants.calls.models import CallRow
from services.grants.calls.repository import CallRepository, call_of
from services.grants.errors import DuplicateCallError, NotBoundError, NotFoundError
from services.grants.persistence import Audited

CALLS = Audited("call_for_projects")

CALENDAR = frozenset(field.name for field in fields(Calendar))


def _columns(call: CallForProjects) -> dict[str, Any]:
    """The call as its row holds it."""
    return {
        "call_id": call.call_id,
        "contract_code": call.contract_code,
        "year": call.year,
        "scheme": call.scheme.value,
        "title": call.title,
        **asdict(call.calendar),
        "version": call.version,
    }


def _snapshot(call: CallForProjects) -> dict[str, Any]:
    return {key: str(value) for key, value in _columns(call).items()}


async def list_calls(
    uow: UnitOfWork, actor: Principal, contract_code: str, year: int | None, page: PageRequest
) -> tuple[list[CallForProjects], int]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        rows, total = await CallRepository(uow.session).list_of_contract(contract_code, year, page)
    return [call_of(row) for row in rows], total


async def visible_call(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, *, for_update: bool = False) -> CallRow:
    """The call, if the caller works on its contract: another contract's call answers exactly like a
    missing one (no existence leak). Inside the caller's unit of work."""
    row = await CallRepository(uow.session).get(call_id, for_update=for_update)
    if row is None or not actor.works_on(row.contract_code):
        raise NotFoundError("call for projects", str(call_id))
    return row


async def get_call(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID) -> CallForProjects:
    async with uow.reading():
        return call_of(await visible_call(uow, actor, call_id))


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
        if await CallRepository(uow.session).exists(call.contract_code, call.year, call.scheme.value):
            raise DuplicateCallError(f"{call.contract_code} {call.year} {call.scheme.value}")
        await CALLS.created(
            uow,
            actor,
            str(call.call_id),
            action="call.opened",
            after=_snapshot(call),
            row=CallRow(**{**_columns(call), "version": 1}),
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
        row = await visible_call(uow, actor, call_id, for_update=True)
        before = call_of(row)
        uow.check_precondition(call_etag(before))
        dates = {name: value for name, value in changes.items() if name in CALENDAR}
        title = changes.get("title", before.title)
        after = replace(before, title=title, calendar=replace(before.calendar, **dates), version=before.version + 1)
        contract = await require_contract(registry, after.contract_code)
        check_call(after, contract.start_year, contract.end_year)
        await CALLS.changed(
            uow,
            actor,
            str(call_id),
            action="call.updated",
            before=_snapshot(before),
            after=_snapshot(after),
            row=row,
            columns={"title": after.title, **asdict(after.calendar), "version": after.version},
        )
        await uow.commit()
    return after


async def load_calls(uow: UnitOfWork, calls: list[CallForProjects]) -> int:
    """Shipped calls (a demo's): one whose contract, year and scheme has a call already is left out."""
    created = 0
    async with uow:
        repository = CallRepository(uow.session)
        for call in calls:
            if not await repository.exists(call.contract_code, call.year, call.scheme.value):
                await repository.add(CallRow(**_columns(call)))
                created += 1
        await uow.commit()
    return created


async def list_scheme_envelopes(
    uow: UnitOfWork, actor: Principal, contract_code: str, page: PageRequest
) -> tuple[list[SchemeEnvelope], int]:
    """What the contract's text puts into each scheme (for those who work on the contract)."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await CallRepository(uow.session).scheme_envelopes(contract_code, page)


def scheme_envelopes_from_document(document: dict[str, Any]) -> list[SchemeEnvelope]:
    """The shipped envelopes (data/cua_schemes.json): amounts in whole euros there, cents here."""
    return [
        SchemeEnvelope(
            contract_code=document["contractCode"],
            scheme=Scheme(item["scheme"]),
            financer_code=item["financer"],
            beneficiaries=item["beneficiaries"],
            amount_cents=int(item["amountEuros"]) * 100,
            period=item.get("period"),
            source=item["source"],
        )
        for item in document["envelopes"]
    ]


async def load_scheme_envelopes(uow: UnitOfWork, envelopes: list[SchemeEnvelope]) -> int:
    """The shipped envelopes, each once. (No registry check: the reference import runs before the services.)"""
    async with uow:
        added = await CallRepository(uow.session).add_missing_envelopes(envelopes)
        await uow.commit()
    return added
