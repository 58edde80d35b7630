"""HTTP routes of the registry of contracts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response, status

from identity.principal import Principal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import locate_created, platform_router
from services.territories.contracts import use_cases
from services.territories.contracts.domain import CONTRACT_CODE
from services.territories.contracts.schemas import ContractCreate, ContractRead, ContractUpdate
from services.territories.policies import REFERENCE, REGISTER_CONTRACT, UPDATE_CONTRACT
from services.territories.schemas import EpciFilter

public = platform_router(["reference"], authenticated=False)
protected = platform_router(["contracts"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Code = Annotated[str, Path(pattern=CONTRACT_CODE.pattern)]


@public.get(
    "/contracts",
    operation_id="list_contracts",
    response_model=Page[ContractRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_contracts(
    uow: Uow, page: Annotated[PageRequest, Depends(page_request)], code_epci: EpciFilter = None
) -> Page[ContractRead]:
    """The registry of contrats de ville (public)."""
    contracts, total = await use_cases.list_contracts(uow, page, code_epci)
    items = [ContractRead.of(contract) for contract in contracts]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/contracts/{code}",
    operation_id="get_contract",
    response_model=ContractRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_contract(uow: Uow, response: Response, code: Code) -> ContractRead:
    contract = await use_cases.get_contract(uow, code)
    response.headers["ETag"] = use_cases.contract_etag(contract)
    return ContractRead.of(contract)


@protected.post(
    "/contracts", operation_id="register_contract", response_model=ContractRead, status_code=status.HTTP_201_CREATED
)
async def register_contract(
    uow: Uow,
    body: ContractCreate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(REGISTER_CONTRACT))],
) -> ContractRead:
    """Register a contract (platform admins)."""
    created = await use_cases.register_contract(uow, principal, body.contract())
    locate_created(response, f"contracts/{created.code}", use_cases.contract_etag(created))
    return ContractRead.of(created)


@protected.patch("/contracts/{code}", operation_id="update_contract", response_model=ContractRead)
async def update_contract(
    uow: Uow,
    body: ContractUpdate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(UPDATE_CONTRACT))],
    code: Code,
) -> ContractRead:
    """Change a contract; If-Match with the ETag read is required."""
    updated = await use_cases.update_contract(uow, principal, code, body.changes())
    response.headers["ETag"] = use_cases.contract_etag(updated)
    return ContractRead.of(updated)
