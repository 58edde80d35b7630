"""Public routes of the contract's open data: the SCDL « subventions » file and the programmation totals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import Response

from kit.auth.policies import authorize, public_policy
from kit.database import request_unit_of_work
from kit.problems import problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.api.programmation_views import totals_read
from services.grants.api.schemas import ProgrammationTotals
from services.grants.schemas import ContractCode
from services.grants.use_cases import open_data

OPEN_DATA = public_policy("open-data")
router = platform_router(["open data"], authenticated=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Year = Annotated[int, Query(ge=2000, le=2100)]


@router.get(
    "/open-data/subventions.csv",
    operation_id="scdl_subventions",
    response_class=Response,
    dependencies=[Depends(authorize(OPEN_DATA))],
    responses={
        200: {"description": "SCDL subventions 2.1.1", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **problem_openapi(409),
    },
)
async def scdl_subventions(
    uow: Uow,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: Year,
    institution: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$", description="The attribuant's code")],
) -> Response:
    """One financer's decided grants of the year in the SCDL « subventions » format (2.1.1): UTF-8 with
    BOM, `;`, dot decimals, ISO dates (public)."""
    content = await open_data.subventions_csv(uow, contract_code, year, institution)
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="subventions-{institution}-{year}.csv"'},
    )


@router.get(
    "/open-data/programmation-totals",
    operation_id="public_programmation_totals",
    response_model=ProgrammationTotals,
    dependencies=[Depends(authorize(OPEN_DATA))],
)
async def public_programmation_totals(
    uow: Uow, contract_code: Annotated[ContractCode, Query(alias="contractCode")], year: Year
) -> ProgrammationTotals:
    """The totals of the year's notified decisions per financer, pillar, theme, QPV and operator profile
    (public: organisations and amounts only)."""
    return totals_read(await open_data.public_totals(uow, contract_code, year))
