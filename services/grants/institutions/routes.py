"""HTTP routes of the financers and partners."""

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
from services.grants.institutions import use_cases as institutions
from services.grants.institutions.domain import DEFAULT_SUBLINE, Institution
from services.grants.institutions.schemas import InstitutionCreate, InstitutionRead
from services.grants.policies import PILOT_CONTRACT, READ_GRANTS
from services.grants.schemas import ContractCode

router = platform_router(["institutions"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _read(institution: Institution) -> InstitutionRead:
    return read_of(InstitutionRead, institution, id=institution.institution_id)


@router.get("/institutions", operation_id="list_institutions", response_model=Page[InstitutionRead])
async def list_institutions(
    uow: Uow,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    page: Annotated[PageRequest, Depends(page_request)],
) -> Page[InstitutionRead]:
    """The financers and partners of a contract."""
    found, total = await institutions.list_institutions(uow, principal, contract_code, page)
    return Page(items=[_read(item) for item in found], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/institutions",
    operation_id="register_institution",
    response_model=InstitutionRead,
    status_code=status.HTTP_201_CREATED,
)
async def register_institution(
    uow: Uow,
    registry: Annotated[ContractRegistry, Depends(request_contract_registry)],
    body: InstitutionCreate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(PILOT_CONTRACT))],
) -> InstitutionRead:
    """Register a financer or partner of the contract (pilots)."""
    institution = Institution(
        institution_id=uuid.uuid4(),
        contract_code=body.contract_code,
        code=body.code,
        nom=body.nom,
        kind=body.kind,
        cerfa_subline=body.cerfa_subline or DEFAULT_SUBLINE[body.kind],
        dauphin_funder_title=body.dauphin_funder_title,
        siret=body.siret,
    )
    created = await institutions.register_institution(uow, registry, principal, institution)
    locate_created(response, f"institutions/{created.institution_id}")
    return _read(created)
