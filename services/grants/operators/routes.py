"""HTTP routes of the operators (organisations carrying actions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from identity.contracts import ContractRegistry, request_contract_registry
from identity.principal import Principal
from kit.api_models import read_of
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import locate_created, platform_router
from services.grants.operators import use_cases as operators
from services.grants.operators.domain import Operator
from services.grants.operators.schemas import OperatorCreate, OperatorRead, OperatorUpdate
from services.grants.policies import EDIT_OPERATOR, READ_GRANTS, REGISTER_OPERATORS
from services.grants.schemas import ContractCode

router = platform_router(["operators"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _read(operator: Operator) -> OperatorRead:
    return read_of(OperatorRead, operator, id=operator.operator_id, siren=operator.siren)


@router.get("/operators", operation_id="list_operators", response_model=Page[OperatorRead])
async def list_operators(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
) -> Page[OperatorRead]:
    """Operators of a contract; an operator's users see only their own organisation."""
    items, total = await operators.list_operators(uow, principal, contract_code, page)
    return Page(items=[_read(item) for item in items], total=total, limit=page.limit, offset=page.offset)


@router.get("/operators/{operator_id}", operation_id="get_operator", response_model=OperatorRead)
async def get_operator(
    uow: Uow,
    response: Response,
    operator_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> OperatorRead:
    operator = await operators.get_operator(uow, principal, operator_id)
    response.headers["ETag"] = operators.operator_etag(operator)
    return _read(operator)


@router.post(
    "/operators", operation_id="register_operator", response_model=OperatorRead, status_code=status.HTTP_201_CREATED
)
async def register_operator(
    uow: Uow,
    registry: Annotated[ContractRegistry, Depends(request_contract_registry)],
    body: OperatorCreate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(REGISTER_OPERATORS))],
) -> OperatorRead:
    """Register an operator (pilots and the State): SIRET checked (Luhn, La Poste's rule), RNA, INSEE code."""
    operator = Operator(operator_id=uuid.uuid4(), **body.model_dump(by_alias=False))
    created = await operators.register_operator(uow, registry, principal, operator)
    locate_created(response, f"operators/{created.operator_id}", operators.operator_etag(created))
    return _read(created)


@router.patch("/operators/{operator_id}", operation_id="update_operator", response_model=OperatorRead)
async def update_operator(
    uow: Uow,
    response: Response,
    operator_id: uuid.UUID,
    body: OperatorUpdate,
    principal: Annotated[Principal, Depends(authorize(EDIT_OPERATOR))],
) -> OperatorRead:
    """Change an operator (its own users, pilots, the State); If-Match with the ETag read is required."""
    changes = {name: getattr(body, name) for name in body.model_fields_set if getattr(body, name) is not None}
    updated = await operators.update_operator(uow, principal, operator_id, changes)
    response.headers["ETag"] = operators.operator_etag(updated)
    return _read(updated)
