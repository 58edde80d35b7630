"""HTTP routes of the programmation tables and totals."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response

from kit.api_models import model_response
from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.response_cache import REMEMBERED
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.api.schemas import EvaluationFigures, ProgrammationLine, ProgrammationRow, ProgrammationTotals
from services.grants.applications.domain.workflow import State
from services.grants.calls.domain import Scheme
from services.grants.db.repositories import ProgrammationFilter
from services.grants.framework.domain import Pillar
from services.grants.money import euros
from services.grants.policies import READ_GRANTS
from services.grants.schemas import ContractCode, TotalRead
from services.grants.use_cases import programmation_views

router = platform_router(["programmation"], authenticated=True, writes=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


async def chosen_filter(
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    scheme: Scheme | None = None,
    operator_id: Annotated[uuid.UUID | None, Query(alias="operatorId")] = None,
    qpv: Annotated[str | None, Query(pattern=r"^Q[A-Z0-9]{5,9}$")] = None,
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


def _cents(value: int | None) -> str | None:
    return None if value is None else euros(int(value))


@router.get(
    "/programmation",
    operation_id="list_programmation",
    dependencies=[REMEMBERED],
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
    rows, lines, total = await programmation_views.table(uow, principal, chosen, page)
    by_application: dict[Any, list[ProgrammationLine]] = {}
    for application_id, code, requested, proposed, decided in sorted(lines, key=lambda line: line[1]):
        by_application.setdefault(application_id, []).append(
            ProgrammationLine(
                institution_code=code,
                requested=euros(requested),
                proposed=_cents(proposed),
                decided=_cents(decided),
            )
        )
    items = [
        ProgrammationRow(
            application_id=row.application_id,
            title=row.title,
            year=row.year,
            scheme=row.scheme,
            state=row.state,
            outcome=row.outcome,
            qpv_codes=row.qpv_codes,
            hors_qpv=row.hors_qpv,
            operator_id=row.operator_id,
            operator_nom=row.nom,
            operator_profile=row.profile,
            objective_code=row.code,
            pillar=row.pillar,
            financers=by_application.get(row.application_id, []),
        )
        for row in rows
    ]
    listed: Page[ProgrammationRow] = Page(items=items, total=total, limit=page.limit, offset=page.offset)
    return model_response(listed)


def _totals(rows: list[Any]) -> list[TotalRead]:
    return [
        TotalRead(
            key=None if key is None else str(key),
            applications=count,
            requested=euros(int(requested)),
            proposed=euros(int(proposed)),
            decided=euros(int(decided)),
            funded_actions=funded,
        )
        for key, count, requested, proposed, decided, funded in rows
    ]


@router.get(
    "/programmation/totals",
    operation_id="programmation_totals",
    dependencies=[REMEMBERED],
    response_model=ProgrammationTotals,
)
async def programmation_totals(
    uow: Uow, chosen: Chosen, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> ProgrammationTotals:
    """Totals per financer, pillar, ambition, nature of action (P147 theme), year, QPV and operator
    profile, each with its actions funded, and the figures the contract's evaluation asks for (actions
    funded, operators, expected beneficiaries)."""
    return totals_read(await programmation_views.totals(uow, principal, chosen))


def totals_read(found: dict[str, list[Any]]) -> ProgrammationTotals:
    applications, funded, operators, beneficiaries = found["counts"][0]
    return ProgrammationTotals(
        by_financer=_totals(found["financer"]),
        by_pillar=_totals(found["pillar"]),
        by_ambition=_totals(found["ambition"]),
        by_theme=_totals(found["theme"]),
        by_year=_totals(found["year"]),
        by_qpv=_totals(found["qpv"]),
        by_operator_profile=_totals(found["profile"]),
        figures=EvaluationFigures(
            applications=applications, funded_actions=funded, operators=operators, expected_beneficiaries=beneficiaries
        ),
    )
