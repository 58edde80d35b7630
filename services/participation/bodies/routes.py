"""HTTP routes of bodies and their themes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from identity.communes import CommuneLookup, request_communes
from identity.contracts import ContractRegistry, request_contract_registry
from kit.api_models import page_json_response, read_of
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.response_cache import REMEMBERED
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import locate_created, platform_router
from services.participation.bodies import use_cases as bodies
from services.participation.bodies.domain import Body, BodyKind, ParticipationLevel, ThemeLevel, below_declared
from services.participation.bodies.schemas import BodyCreate, BodyRead, BodyUpdate, ThemeLevelRead, ThemeLevelsInput
from services.participation.policies import BodyManager, Reader
from services.participation.schemas import ContractCode

router = platform_router(["bodies"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Contracts = Annotated[ContractRegistry, Depends(request_contract_registry)]
Communes = Annotated[CommuneLookup, Depends(request_communes)]


def present(body: Body) -> BodyRead:
    return read_of(BodyRead, body, id=body.body_id)


@router.get("/bodies", operation_id="list_bodies", dependencies=[REMEMBERED], response_model=Page[BodyRead])
async def list_bodies(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    principal: Reader,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    kind: Annotated[BodyKind | None, Query()] = None,
) -> Response:
    """Citizen bodies and committees of a contract, by name."""
    items, total = await bodies.list_bodies(uow, principal, contract_code, kind, page)
    return page_json_response(items, total, page.limit, page.offset)


@router.get("/bodies/{body_id}", operation_id="get_body", response_model=BodyRead)
async def get_body(uow: Uow, response: Response, body_id: uuid.UUID, principal: Reader) -> BodyRead:
    body = await bodies.get_body(uow, principal, body_id)
    response.headers["ETag"] = bodies.body_etag(body)
    return present(body)


@router.post("/bodies", operation_id="create_body", response_model=BodyRead, status_code=status.HTTP_201_CREATED)
async def create_body(
    uow: Uow,
    contracts: Contracts,
    communes: Communes,
    payload: BodyCreate,
    response: Response,
    principal: BodyManager,
) -> BodyRead:
    """Create a citizen body or a governance committee of a contract."""
    new_body = Body(
        body_id=uuid.uuid4(),
        contract_code=payload.contract_code,
        name=payload.name,
        kind=payload.kind,
        participation_level=payload.participation_level,
        qpv_codes=tuple(payload.qpv_codes),
        commune_codes=tuple(payload.commune_codes),
        status=payload.status,
        recognition_act=payload.recognition_act,
        established_on=payload.established_on,
        dissolved_on=payload.dissolved_on,
    )
    created = await bodies.create_body(uow, contracts, communes, principal, new_body)
    locate_created(response, f"bodies/{created.body_id}", bodies.body_etag(created))
    return present(created)


@router.patch("/bodies/{body_id}", operation_id="change_body", response_model=BodyRead)
async def change_body(
    uow: Uow,
    contracts: Contracts,
    communes: Communes,
    response: Response,
    body_id: uuid.UUID,
    payload: BodyUpdate,
    principal: BodyManager,
) -> BodyRead:
    """Change a body; If-Match with the ETag read is required."""
    changes: dict[str, Any] = {}
    for name in payload.model_fields_set:
        value = getattr(payload, name)
        if value is not None:
            changes[name] = tuple(value) if name in ("qpv_codes", "commune_codes") else value
    changed = await bodies.change_body(uow, contracts, communes, principal, body_id, changes)
    response.headers["ETag"] = bodies.body_etag(changed)
    return present(changed)


def _theme(level: ThemeLevel) -> ThemeLevelRead:
    return ThemeLevelRead(
        theme=level.theme,
        declared_level=level.declared.value,
        observed_level=None if level.observed is None else level.observed.value,
        below_declared=below_declared(level),
    )


@router.get("/bodies/{body_id}/themes", operation_id="list_body_themes", response_model=list[ThemeLevelRead])
async def list_body_themes(uow: Uow, response: Response, body_id: uuid.UUID, principal: Reader) -> list[ThemeLevelRead]:
    """The body's participation level per theme: declared, and observed once assessed. Not paged: one per
    theme, a fixed list."""
    levels = await bodies.body_themes(uow, principal, body_id)
    response.headers["ETag"] = bodies.themes_etag(body_id, levels)
    return [_theme(level) for level in levels]


@router.put("/bodies/{body_id}/themes", operation_id="set_body_themes", response_model=list[ThemeLevelRead])
async def set_body_themes(
    uow: Uow, response: Response, body_id: uuid.UUID, payload: ThemeLevelsInput, principal: BodyManager
) -> list[ThemeLevelRead]:
    """Replace the body's themes and levels (the contract's pilots, communes). Not paged: one per theme, a
    fixed list."""
    levels = [
        ThemeLevel(
            item.theme,
            ParticipationLevel(item.declared_level),
            None if item.observed_level is None else ParticipationLevel(item.observed_level),
        )
        for item in payload.themes
    ]
    stored = await bodies.set_body_themes(uow, principal, body_id, levels)
    response.headers["ETag"] = bodies.themes_etag(body_id, stored)
    return [_theme(level) for level in stored]
