"""Bodies: created by the contract's pilot or a commune, read by those who work on the contract."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import func

from identity.communes import CommuneLookup
from identity.contracts import ContractRegistry, require_contract
from identity.principal import Principal
from kit.etags import etag_of, etag_of_content
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import (
    Body,
    BodyKind,
    ThemeLevel,
    check_body,
    check_commune,
    check_life,
    check_set_up_by,
    check_themes,
    manages_body,
    sets_up,
)
from services.participation.bodies.models import BodyRow, BodyThemeRow
from services.participation.bodies.repository import BodyRepository, body_from_row, theme_level_from_row
from services.participation.errors import BrokenRules, NotBoundError, NotFoundError
from services.participation.persistence import columns_of, ledger


async def _check_territories(registry: ContractRegistry, communes: CommuneLookup, body: Body) -> None:
    """The body's QPVs are the contract's; its communes exist and belong to the contract's EPCI; its life's
    dates hold together: every one broken named at once."""
    contract = await require_contract(registry, body.contract_code)
    checks = BrokenRules()
    with checks.checking():
        check_life(body)
    with checks.checking():
        check_body(body, contract.qpv_codes)
    for position, code in enumerate(body.commune_codes):
        commune = await communes.find(code)
        epci = None if commune is None else commune.code_epci
        with checks.checking():
            check_commune(position, code, epci, exists=commune is not None, contract_epci=contract.code_epci)
    checks.raise_any()


def _audit_view(body: Body) -> dict[str, Any]:
    return {
        "contract_code": body.contract_code,
        "name": body.name,
        "kind": body.kind.value,
        "participation_level": body.participation_level.value,
        "qpv_codes": list(body.qpv_codes),
        "commune_codes": list(body.commune_codes),
        "status": body.status.value,
        "recognition_act": body.recognition_act,
        "established_on": None if body.established_on is None else body.established_on.isoformat(),
        "dissolved_on": None if body.dissolved_on is None else body.dissolved_on.isoformat(),
        "version": body.version,
    }


async def list_bodies(
    uow: UnitOfWork, actor: Principal, contract_code: str, kind: BodyKind | None, page: PageRequest
) -> tuple[str, int]:
    """A page of the contract's bodies (the JSON array of its items, as PostgreSQL writes it) and the total."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await BodyRepository(uow.session).search_json(contract_code, kind.value if kind else None, page)


async def body_seen_by(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, *, lock: bool = False) -> Body:
    """The body, inside an open unit of work, if the caller works on its contract. Another contract's
    body answers exactly like a missing one: no existence leak. `lock` holds it until the commit."""
    row = await BodyRepository(uow.session).find(body_id, lock=lock)
    if row is None or not actor.works_on(row.contract_code):
        raise NotFoundError("body", str(body_id))
    return body_from_row(row)


async def body_managed_by(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, *, lock: bool = False) -> Body:
    """The body, if the caller runs its members, meetings and draws (see `manages_body`)."""
    body = await body_seen_by(uow, actor, body_id, lock=lock)
    if not manages_body(actor, body.contract_code, body.body_id):
        raise NotBoundError(body.contract_code)
    return body


async def find_body(uow: UnitOfWork, body_id: uuid.UUID) -> Body | None:
    """A body whoever asks, inside an open unit of work (for public pages and checks across contracts)."""
    row = await BodyRepository(uow.session).find(body_id)
    return None if row is None else body_from_row(row)


async def get_body(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID) -> Body:
    async with uow.reading():
        return await body_seen_by(uow, actor, body_id)


def body_etag(body: Body) -> str:
    return etag_of(str(body.body_id), body.version)


def themes_etag(body_id: uuid.UUID, levels: list[ThemeLevel]) -> str:
    """A body's themes carry no version: their ETag is the digest of what they say."""
    return etag_of_content(
        str(body_id),
        *sorted(
            f"{level.theme}={level.declared.value}/{level.observed.value if level.observed else ''}" for level in levels
        ),
    )


async def create_body(
    uow: UnitOfWork,
    registry: ContractRegistry,
    communes: CommuneLookup,
    actor: Principal,
    body: Body,
) -> Body:
    if not actor.works_on(body.contract_code):
        raise NotBoundError(body.contract_code)
    check_set_up_by(actor, body.contract_code, body.commune_codes)
    await _check_territories(registry, communes, body)
    async with uow:
        await uow.changes_contract(body.contract_code)
        await BodyRepository(uow.session).add(BodyRow(**columns_of(body)))
        await ledger.created(
            uow.session,
            actor,
            action="body.created",
            entity_type="body",
            entity_id=str(body.body_id),
            after=_audit_view(body),
        )
        await uow.commit()
    return body


async def change_body(
    uow: UnitOfWork,
    registry: ContractRegistry,
    communes: CommuneLookup,
    actor: Principal,
    body_id: uuid.UUID,
    changes: dict[str, Any],
) -> Body:
    async with uow:
        row = await BodyRepository(uow.session).find(body_id, lock=True)
        if row is None or not actor.works_on(row.contract_code):
            raise NotFoundError("body", str(body_id))
        if not sets_up(actor, row.contract_code, row.commune_codes):
            raise NotBoundError(row.contract_code)
        await uow.changes_contract(row.contract_code)
        current = body_from_row(row)
        uow.check_precondition(body_etag(current))
        changed = replace(current, **changes, version=current.version + 1)
        check_set_up_by(actor, changed.contract_code, changed.commune_codes)
        await _check_territories(registry, communes, changed)
        row.name, row.kind = changed.name, changed.kind.value
        row.participation_level = changed.participation_level.value
        row.status, row.recognition_act = changed.status.value, changed.recognition_act
        row.established_on, row.dissolved_on = changed.established_on, changed.dissolved_on
        row.commune_codes = list(changed.commune_codes)
        row.qpv_codes, row.version, row.updated_at = list(changed.qpv_codes), changed.version, func.now()
        await ledger.changed(
            uow.session,
            actor,
            action="body.changed",
            entity_type="body",
            entity_id=str(body_id),
            before=_audit_view(current),
            after=_audit_view(changed),
        )
        await uow.commit()
    return changed


async def body_themes(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID) -> list[ThemeLevel]:
    async with uow.reading():
        await body_seen_by(uow, actor, body_id)
        rows = await BodyRepository(uow.session).themes(body_id)
    return [theme_level_from_row(row) for row in rows]


def _theme_audit(level: ThemeLevel) -> dict[str, str | None]:
    return {
        "theme": level.theme,
        "declared": level.declared.value,
        "observed": level.observed.value if level.observed else None,
    }


async def set_body_themes(
    uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, levels: list[ThemeLevel]
) -> list[ThemeLevel]:
    """The body's themes with the level declared and, once assessed, the level observed: replaced whole."""
    check_themes(levels)
    async with uow:
        body = await body_seen_by(uow, actor, body_id, lock=True)
        if not sets_up(actor, body.contract_code, body.commune_codes):
            raise NotBoundError(body.contract_code)
        await uow.changes_contract(body.contract_code)
        repository = BodyRepository(uow.session)
        before = [theme_level_from_row(row) for row in await repository.themes(body_id)]
        uow.check_precondition(themes_etag(body_id, before))
        rows = [
            BodyThemeRow(
                body_id=body_id,
                theme=level.theme,
                declared_level=level.declared.value,
                observed_level=None if level.observed is None else level.observed.value,
            )
            for level in levels
        ]
        await repository.replace_themes(body_id, rows)
        await ledger.changed(
            uow.session,
            actor,
            action="body.themes_set",
            entity_type="body",
            entity_id=str(body_id),
            before={"themes": [_theme_audit(level) for level in before]},
            after={"themes": [_theme_audit(level) for level in levels]},
        )
        await uow.commit()
    return sorted(levels, key=lambda level: level.theme)
