"""HTTP routes of the grants service: parse, authorize, call a use case, present."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, Query, Response, status

from identity.contracts import ContractRegistry, request_contract_registry
from identity.principal import Principal
from kit.api_models import read_of
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import locate_created, platform_router
from services.grants.calls import use_cases as calls
from services.grants.calls.domain import Calendar, CallForProjects, default_notification_target
from services.grants.calls.schemas import CallCreate, CallRead, CallUpdate, SchemeEnvelopeRead
from services.grants.policies import MANAGE_CALLS, READ_CALLS
from services.grants.schemas import ContractCode

router = platform_router(["calls for projects"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Pages = Annotated[PageRequest, Depends(page_request)]


Registry = Annotated[ContractRegistry, Depends(request_contract_registry)]


def _read(call: CallForProjects) -> CallRead:
    return read_of(CallRead, call, id=call.call_id, **asdict(call.calendar))


@router.get("/calls", operation_id="list_calls", response_model=Page[CallRead])
async def list_calls(
    uow: Uow,
    page: Pages,
    principal: Annotated[Principal, Depends(authorize(READ_CALLS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Page[CallRead]:
    """Calls for projects of a contract, newest year first."""
    items, total = await calls.list_calls(uow, principal, contract_code, year, page)
    return Page(items=[_read(item) for item in items], total=total, limit=page.limit, offset=page.offset)


@router.get("/schemes", operation_id="list_scheme_envelopes", response_model=Page[SchemeEnvelopeRead])
async def list_scheme_envelopes(
    uow: Uow,
    page: Pages,
    principal: Annotated[Principal, Depends(authorize(READ_CALLS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
) -> Page[SchemeEnvelopeRead]:
    """The envelopes the contract's text gives to the schemes of its calls (e.g. the CU d'Arras' 100 000 euros
    for its communes), by scheme."""
    items, total = await calls.list_scheme_envelopes(uow, principal, contract_code, page)
    return Page(
        items=[read_of(SchemeEnvelopeRead, item, amount=euros(item.amount_cents)) for item in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/calls/{call_id}", operation_id="get_call", response_model=CallRead)
async def get_call(
    uow: Uow,
    response: Response,
    call_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_CALLS))],
) -> CallRead:
    call = await calls.get_call(uow, principal, call_id)
    response.headers["ETag"] = calls.call_etag(call)
    return _read(call)


@router.post("/calls", operation_id="open_call", response_model=CallRead, status_code=status.HTTP_201_CREATED)
async def open_call(
    uow: Uow,
    registry: Registry,
    body: CallCreate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(MANAGE_CALLS))],
) -> CallRead:
    """Open the yearly call for projects of a contract."""
    call = CallForProjects(
        call_id=uuid.uuid4(),
        contract_code=body.contract_code,
        year=body.year,
        scheme=body.scheme,
        title=body.title,
        calendar=Calendar(
            opens_on=body.opens_on,
            closes_on=body.closes_on,
            notification_target_on=body.notification_target_on or default_notification_target(body.year),
        ),
    )
    created = await calls.open_call(uow, registry, principal, call)
    locate_created(response, f"calls/{created.call_id}", calls.call_etag(created))
    return _read(created)


@router.patch("/calls/{call_id}", operation_id="update_call", response_model=CallRead)
async def update_call(
    uow: Uow,
    registry: Registry,
    response: Response,
    call_id: uuid.UUID,
    body: CallUpdate,
    principal: Annotated[Principal, Depends(authorize(MANAGE_CALLS))],
) -> CallRead:
    """Change a call's title or dates; If-Match with the ETag read is required."""
    changes = {name: getattr(body, name) for name in body.model_fields_set if getattr(body, name) is not None}
    updated = await calls.update_call(uow, registry, principal, call_id, changes)
    response.headers["ETag"] = calls.call_etag(updated)
    return _read(updated)
