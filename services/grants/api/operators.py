"""HTTP routes of the operators (organisations carrying actions)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status

from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import UnitOfWork, request_unit_of_work
from kit.etags import etag_of, require_if_match
from kit.idempotency import (
    IdempotencyKeyHeader,
    StoredResponse,
    created_response,
    idempotent_request,
    replayed_response,
)
from kit.pagination import Page, PageRequest, page_request
from kit.problems import documented_problems
from kit.tenancy import ContractRegistry, request_contract_registry
from services.grants.api.policies import EDIT_OPERATOR, READ_GRANTS, REGISTER_OPERATORS
from services.grants.api.schemas import ContractCode, OperatorCreate, OperatorRead, OperatorUpdate
from services.grants.domain.operators import Operator
from services.grants.use_cases import operators

router = APIRouter(tags=["operators"], responses=documented_problems(authenticated=True, writes=True))
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _read(operator: Operator) -> OperatorRead:
    return OperatorRead(
        id=operator.operator_id,
        contract_code=operator.contract_code,
        nom=operator.nom,
        siret=operator.siret,
        siren=operator.siren,
        rna=operator.rna,
        legal_form=operator.legal_form,
        address=operator.address,
        code_commune=operator.code_commune,
        profile=operator.profile,
        dauphin_tiers=operator.dauphin_tiers,
        version=operator.version,
    )


def _json(operator: Operator) -> dict[str, Any]:
    return _read(operator).model_dump(mode="json", by_alias=True)


def _etag(operator: Operator) -> str:
    return etag_of(str(operator.operator_id), operator.version)


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
    response.headers["ETag"] = _etag(operator)
    return _read(operator)


@router.post(
    "/operators", operation_id="register_operator", response_model=OperatorRead, status_code=status.HTTP_201_CREATED
)
async def register_operator(
    uow: Uow,
    registry: Annotated[ContractRegistry, Depends(request_contract_registry)],
    body: OperatorCreate,
    principal: Annotated[Principal, Depends(authorize(REGISTER_OPERATORS))],
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    """Register an operator (pilots and the State): SIRET checked (Luhn, La Poste's rule), RNA, INSEE code."""
    operator = Operator(operator_id=uuid.uuid4(), **body.model_dump(by_alias=False))
    idempotency = idempotent_request(
        idempotency_key, principal.subject, "register_operator", body.model_dump(mode="json")
    )
    outcome = await operators.register_operator(uow, registry, principal, operator, idempotency, _json)
    if isinstance(outcome, StoredResponse):
        return replayed_response(outcome)
    return created_response(_json(outcome), f"operators/{outcome.operator_id}", _etag(outcome))


@router.patch("/operators/{operator_id}", operation_id="update_operator", response_model=OperatorRead)
async def update_operator(
    uow: Uow,
    response: Response,
    operator_id: uuid.UUID,
    body: OperatorUpdate,
    principal: Annotated[Principal, Depends(authorize(EDIT_OPERATOR))],
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=500)] = None,
) -> OperatorRead:
    """Change an operator (its own users, pilots, the State); If-Match with the ETag read is required."""
    changes = {name: getattr(body, name) for name in body.model_fields_set if getattr(body, name) is not None}
    updated = await operators.update_operator(
        uow, principal, operator_id, changes, lambda current: require_if_match(if_match, _etag(current))
    )
    response.headers["ETag"] = _etag(updated)
    return _read(updated)
