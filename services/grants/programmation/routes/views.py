"""HTTP routes of the programmation's tables and totals, and of its public totals (open data)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request, Response

from identity.principal import Principal
from kit.api_models import page_json_response
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.pagination import Page, PageRequest, page_request
from kit.response_cache import remembered_by
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.applications.domain.workflow import State
from services.grants.calls.domain import Scheme
from services.grants.framework.domain import Pillar
from services.grants.policies import OPEN_DATA, READ_GRANTS
from services.grants.programmation.domain.tables import (
    NOTIFIED_PARTS,
    PROGRAMMATION_PARTS,
    ProgrammationFilter,
    Totals,
    of_year,
)
from services.grants.programmation.schemas import (
    EvaluationFigures,
    ProgrammationRow,
    ProgrammationTotals,
)
from services.grants.programmation.use_cases import views
from services.grants.schemas import ContractCode, TotalRead

router = platform_router(["programmation"], authenticated=True, writes=False)
public_router = platform_router(["open data"], authenticated=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Year = Annotated[int, Query(ge=2000, le=2100)]


async def chosen_filter(
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    scheme: Scheme | None = None,
    operator_id: Annotated[uuid.UUID | None, Query(alias="operatorId")] = None,
    qpv: Annotated[
        str | None,
        Query(
            pattern=r"^(Q[A-Z0-9]{5,9}|hors-QPV|none)$",
            description="Serving this QPV, or `hors-QPV` (vulnerability zones and no QPV) or `none` (neither): "
            "the keys of the totals' `byQpv`",
        ),
    ] = None,
    objective_id: Annotated[uuid.UUID | None, Query(alias="objectiveId")] = None,
    pillar: Pillar | None = None,
    state: State | None = None,
    institution_id: Annotated[uuid.UUID | None, Query(alias="institutionId", description="Financer")] = None,
) -> ProgrammationFilter:
    return ProgrammationFilter(
        contract_code=contract_code,
        year=year,
        scheme=scheme.value if scheme else None,
        operator_id=operator_id,
        qpv_code=qpv,
        objective_id=objective_id,
        pillar=pillar.value if pillar else None,
        state=state.value if state else None,
        institution_id=institution_id,
    )


Chosen = Annotated[ProgrammationFilter, Depends(chosen_filter)]


def _asked_year(request: Request) -> int | None:
    """The year a request asks for (the route validates it; unreadable: every year)."""
    value = request.query_params.get("year", "")
    return int(value) if value.isascii() and value.isdigit() else None  # "²" is a digit int() refuses


# Remembered answers hold the programmation's (or the notified files') part of the year asked for.
PROGRAMMATION_ANSWERS = remembered_by(lambda request: of_year(PROGRAMMATION_PARTS, _asked_year(request)))
NOTIFIED_ANSWERS = remembered_by(lambda request: of_year(NOTIFIED_PARTS, _asked_year(request)))


def _cents(value: int | None) -> str | None:
    return None if value is None else euros(value)


@router.get(
    "/programmation",
    operation_id="list_programmation",
    dependencies=[PROGRAMMATION_ANSWERS],
    response_model=Page[ProgrammationRow],
)
async def list_programmation(
    uow: Uow,
    chosen: Chosen,
    page: Annotated[PageRequest, Depends(page_request)],
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> Response:
    """Every submitted application with its operator, objective and each financer's amounts; filters by
    year, scheme, operator, QPV, objective, pillar, state and financer."""
    items, total = await views.table(uow, principal, chosen, page)
    return page_json_response(items, total, page.limit, page.offset)


def _totals(totals: Totals) -> ProgrammationTotals:
    return ProgrammationTotals(
        by_financer=TotalRead.each(totals.by_financer),
        by_pillar=TotalRead.each(totals.by_pillar),
        by_ambition=TotalRead.each(totals.by_ambition),
        by_theme=TotalRead.each(totals.by_theme),
        by_year=TotalRead.each(totals.by_year),
        by_qpv=TotalRead.each(totals.by_qpv),
        by_operator_profile=TotalRead.each(totals.by_operator_profile),
        figures=EvaluationFigures(
            applications=totals.applications,
            funded_actions=totals.funded_actions,
            operators=totals.operators,
            expected_beneficiaries=totals.expected_beneficiaries,
        ),
    )


@router.get(
    "/programmation/totals",
    operation_id="programmation_totals",
    dependencies=[PROGRAMMATION_ANSWERS],
    response_model=ProgrammationTotals,
)
async def programmation_totals(
    uow: Uow, chosen: Chosen, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> ProgrammationTotals:
    """Totals per financer, pillar, ambition, nature of action (P147 theme), year, QPV and operator
    profile, each with its actions funded, and the figures the contract's evaluation asks for (actions
    funded, operators, expected beneficiaries)."""
    return _totals(await views.totals(uow, principal, chosen))


@public_router.get(
    "/open-data/programmation-totals",
    operation_id="public_programmation_totals",
    response_model=ProgrammationTotals,
    dependencies=[Depends(authorize(OPEN_DATA)), NOTIFIED_ANSWERS],
)
async def public_programmation_totals(
    uow: Uow, contract_code: Annotated[ContractCode, Query(alias="contractCode")], year: Year
) -> ProgrammationTotals:
    """The totals of the year's notified decisions per financer, pillar, theme, QPV and operator profile
    (public: organisations and amounts only)."""
    return _totals(await views.public_totals(uow, contract_code, year))
