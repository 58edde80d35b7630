"""HTTP routes of what the evaluation reads of the engagements: the comparison of a year's sheets with
later years', the engineering staff and the droit commun of a year."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Query

from identity.principal import Principal
from kit.api_models import plain_decimal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.engagements.domain.comparison import FigureChange, MeansTotals, SetChange
from services.grants.engagements.domain.sheets import Figures
from services.grants.engagements.schemas import (
    DroitCommunRead,
    EngagementComparisonRead,
    EngineeringStaffRead,
    FigureChangeRead,
    FiguresRead,
    MeansTotalsRead,
    SetChangeRead,
    SignatoryComparisonRead,
    SignatoryMeansRead,
    SignatoryStaffRead,
    StaffRead,
    YearComparisonRead,
)
from services.grants.engagements.use_cases import views
from services.grants.policies import READ_GRANTS
from services.grants.schemas import ContractCode

router = platform_router(["engagements"], authenticated=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
YearQuery = Annotated[int, Query(ge=2000, le=2100)]
Reader = Annotated[Principal, Depends(authorize(READ_GRANTS))]


def _set(change: SetChange) -> SetChangeRead:
    return SetChangeRead(appeared=list(change.appeared), disappeared=list(change.disappeared), kept=list(change.kept))


def _change(change: FigureChange, money: bool) -> FigureChangeRead:
    def text(value: Decimal | None) -> str | None:
        if value is None:
            return None
        return euros(int(value)) if money else plain_decimal(value)

    return FigureChangeRead(
        key=change.key, label=change.label, change=change.change, base=text(change.base), later=text(change.later)
    )


@router.get(
    "/engagement-comparisons", operation_id="compare_engagement_sheets", response_model=EngagementComparisonRead
)
async def compare_engagement_sheets(
    uow: Uow,
    principal: Reader,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: Annotated[int, Query(ge=2000, le=2100, description="N, the base year")],
    against: Annotated[int | None, Query(ge=2000, le=2100, description="One later year; default N+2 and N+3")] = None,
    signatory_id: Annotated[uuid.UUID | None, Query(alias="signatoryId")] = None,
) -> EngagementComparisonRead:
    """The sheets of year N against those of N+2 and N+3 (or `against`), per signatory and for the contract:
    what appeared, disappeared, grew or shrank (QPVs, interventions, commitments, agents' functions, droit
    commun means of each sheet's own year, engineering staff). Amounts in euros, realised where said."""
    found = await views.compare_sheets(uow, principal, contract_code, year, against, signatory_id)
    comparisons = [
        YearComparisonRead(
            year=item.base_year,
            against=item.later_year,
            amount=_change(item.amount_cents, money=True),
            etp=_change(item.etp, money=False),
            signatories=[
                SignatoryComparisonRead(
                    signatory_id=entry.signatory.signatory_id,
                    signatory_code=entry.signatory.code,
                    signatory_nom=entry.signatory.nom,
                    has_base=entry.comparison.has_base,
                    has_later=entry.comparison.has_later,
                    qpv_codes=_set(entry.comparison.qpv_codes),
                    vulnerability_zones=_set(entry.comparison.vulnerability_zones),
                    interventions=_set(entry.comparison.interventions),
                    commitments=_set(entry.comparison.commitments),
                    agent_functions=_set(entry.comparison.agent_functions),
                    means=[_change(means, money=True) for means in entry.comparison.means],
                    staff=[_change(staff, money=False) for staff in entry.comparison.staff],
                    amount=_change(entry.comparison.amount_cents, money=True),
                    etp=_change(entry.comparison.etp, money=False),
                )
                for entry in item.signatories
            ],
        )
        for item in found
    ]
    return EngagementComparisonRead(contract_code=contract_code, year=year, comparisons=comparisons)


@router.get("/engineering-staff", operation_id="get_engineering_staff", response_model=EngineeringStaffRead)
async def get_engineering_staff(
    uow: Uow,
    principal: Reader,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: YearQuery,
) -> EngineeringStaffRead:
    """The engineering staff of a year (ETP by signatory and function, from its sheet) and the contract's
    sum (the contract: « plus de 13 ETP », line 2147)."""
    items, total = await views.engineering_staff(uow, principal, contract_code, year)
    return EngineeringStaffRead(
        contract_code=contract_code,
        year=year,
        total_etp=plain_decimal(total),
        signatories=[
            SignatoryStaffRead(
                signatory_id=item.signatory.signatory_id,
                signatory_code=item.signatory.code,
                signatory_nom=item.signatory.nom,
                institution_code=item.signatory.institution_code,
                is_fictitious=item.is_fictitious,
                total_etp=plain_decimal(item.total),
                functions=[StaffRead(function=staff.function, etp=plain_decimal(staff.etp)) for staff in item.staff],
            )
            for item in items
        ],
    )


def _totals(totals: MeansTotals) -> MeansTotalsRead:
    def figures(value: Figures) -> FiguresRead:
        etp = None if value.etp is None else plain_decimal(value.etp)
        return FiguresRead(amount=euros(value.amount_cents or 0), actions=value.actions, etp=etp)

    return MeansTotalsRead(
        lines=totals.lines,
        realised_lines=totals.realised_lines,
        declared=figures(totals.declared),
        realised=figures(totals.realised),
    )


@router.get("/droit-commun", operation_id="get_droit_commun", response_model=DroitCommunRead)
async def get_droit_commun(
    uow: Uow,
    principal: Reader,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: YearQuery,
) -> DroitCommunRead:
    """The droit commun means of a year (amounts in euros, actions, ETP), declared and realised, by
    signatory (from its sheet of the year) and summed for the contract."""
    items, totals = await views.droit_commun(uow, principal, contract_code, year)
    return DroitCommunRead(
        contract_code=contract_code,
        year=year,
        totals=_totals(totals),
        signatories=[
            SignatoryMeansRead(
                signatory_id=item.signatory.signatory_id,
                signatory_code=item.signatory.code,
                signatory_nom=item.signatory.nom,
                is_fictitious=item.is_fictitious,
                totals=_totals(item.totals),
            )
            for item in items
        ],
    )
