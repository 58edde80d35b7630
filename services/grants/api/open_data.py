"""Public routes of the contract's open data: the SCDL « subventions » file and the programmation totals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import Response

from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.problems import problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.policies import OPEN_DATA
from services.grants.schemas import ContractCode
from services.grants.use_cases import open_data

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
