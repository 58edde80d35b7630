"""HTTP routes of the territories service: parse, authorize, call a use case, present."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Response, status

from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import locate_created, platform_router
from services.territories.api.schemas import (
    ContractCreate,
    ContractRead,
    ContractUpdate,
    SignatoryModel,
)
from services.territories.domain.contracts import Contract, Signatory
from services.territories.policies import REFERENCE, REGISTER_CONTRACT, UPDATE_CONTRACT
from services.territories.use_cases import contracts

public = platform_router(["reference"], authenticated=False)
protected = platform_router(["contracts"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Pages = Annotated[PageRequest, Depends(page_request)]
Generation = Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{4}$", description="QPV generation, e.g. 2024-2030")]


def _contract(contract: Contract) -> ContractRead:
    return ContractRead(
        code=contract.code,
        nom=contract.nom,
        code_epci=contract.code_epci,
        start_year=contract.start_year,
        end_year=contract.end_year,
        qpv_codes=list(contract.qpv_codes),
        signatories=[SignatoryModel(name=item.name, kind=item.kind) for item in contract.signatories],
        version=contract.version,
    )


def _contract_json(contract: Contract) -> dict[str, Any]:
    return _contract(contract).model_dump(mode="json", by_alias=True)


@public.get(
    "/contracts",
    operation_id="list_contracts",
    response_model=Page[ContractRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_contracts(
    uow: Uow, page: Pages, code_epci: Annotated[str | None, Query(alias="codeEpci", pattern=r"^[0-9]{9}$")] = None
) -> Page[ContractRead]:
    """The registry of contrats de ville (public)."""
    items, total = await contracts.list_contracts(uow, page, code_epci)
    return Page(items=[_contract(item) for item in items], total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/contracts/{code}",
    operation_id="get_contract",
    response_model=ContractRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_contract(
    uow: Uow, response: Response, code: Annotated[str, Path(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
) -> ContractRead:
    contract = await contracts.get_contract(uow, code)
    response.headers["ETag"] = contracts.contract_etag(contract)
    return _contract(contract)


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
    contract = Contract(
        code=body.code,
        nom=body.nom,
        code_epci=body.code_epci,
        start_year=body.start_year,
        end_year=body.end_year,
        qpv_codes=tuple(body.qpv_codes),
        signatories=tuple(Signatory(name=item.name, kind=item.kind) for item in body.signatories),
    )
    created = await contracts.register_contract(uow, principal, contract)
    locate_created(response, f"contracts/{created.code}", contracts.contract_etag(created))
    return _contract(created)


@protected.patch("/contracts/{code}", operation_id="update_contract", response_model=ContractRead)
async def update_contract(
    uow: Uow,
    body: ContractUpdate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(UPDATE_CONTRACT))],
    code: Annotated[str, Path(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")],
) -> ContractRead:
    """Change a contract; If-Match with the ETag read is required."""
    changes: dict[str, Any] = {}
    for field_name in body.model_fields_set:
        value = getattr(body, field_name)
        if value is None:
            continue
        if field_name == "qpv_codes":
            value = tuple(value)
        elif field_name == "signatories":
            value = tuple(Signatory(name=item.name, kind=item.kind) for item in value)
        changes[field_name] = value
    updated = await contracts.update_contract(uow, principal, code, changes)
    response.headers["ETag"] = contracts.contract_etag(updated)
    return _contract(updated)
