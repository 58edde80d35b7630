"""HTTP route of the participation indicators of a contract's evaluation."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Query

from kit.api_models import CONTRACT_CODE_PATTERN, plain_decimal, read_of
from kit.database import request_unit_of_work
from kit.problems import FieldError, ProblemError
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.evaluation import use_cases as evaluation
from services.participation.evaluation.domain import series_start
from services.participation.evaluation.schemas import (
    ConsultationFigures,
    MembersOnYearEnd,
    MembersProfileRead,
    OpinionFiguresRead,
    ParticipationIndicatorsRead,
    ThemeLevelFigures,
)
from services.participation.policies import Reader
from services.participation.schemas import ProgressRead

router = platform_router(["evaluation"], authenticated=True)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else plain_decimal(value)


@router.get(
    "/participation-indicators", operation_id="participation_indicators", response_model=ParticipationIndicatorsRead
)
async def participation_indicators(
    uow: Annotated[UnitOfWork, Depends(request_unit_of_work)],
    principal: Reader,
    contract_code: Annotated[str, Query(alias="contractCode", pattern=CONTRACT_CODE_PATTERN)],
    year: Annotated[int, Query(ge=2000, le=2100)],
    since: Annotated[int | None, Query(ge=2000, le=2100, description="First year of the members' series")] = None,
) -> ParticipationIndicatorsRead:
    """What the evaluation asks of participation for a year: bodies by kind and level, members and their
    evolution, parity and ages (a breakdown with a count under 5 withheld whole), meetings, participants,
    institutions represented, opinions issued, answered and taken up, time to answer, referrals."""
    first = series_start(year, since)
    if first > year:
        message = "the series starts no later than the year asked"
        broken = FieldError(pointer="/query/since", field="since", rule="since-not-after-year", message=message)
        raise ProblemError(422, "validation", "Invalid input", message, errors=[broken])
    found = await evaluation.indicators(uow, principal, contract_code, year, first)
    profile, opinions = found.profile, found.opinions
    return ParticipationIndicatorsRead(
        contract_code=found.contract_code,
        year=found.year,
        bodies_by_kind=found.bodies.by_kind,
        bodies_by_level=found.bodies.by_level,
        bodies_by_status=found.bodies.by_status,
        members_by_year=[
            MembersOnYearEnd(year=each, members=count, fictitious=fictitious)
            for each, (count, fictitious) in found.members_by_year.items()
        ],
        members_profile=read_of(MembersProfileRead, profile, residents_share=_decimal(profile.residents_share)),
        meetings_by_kind=found.meetings_by_kind,
        attendances=found.attendances,
        participants=found.participants,
        institutions_represented=found.institutions,
        opinions=read_of(
            OpinionFiguresRead,
            opinions,
            share_answered=_decimal(opinions.share_answered),
            share_taken_up=_decimal(opinions.share_taken_up),
            median_days_to_answer=_decimal(opinions.median_days_to_answer),
        ),
        referrals=found.referrals,
        consultations=[
            ConsultationFigures(title=title, progress=read_of(ProgressRead, done, reached=done.reached))
            for title, done in found.consultations
        ],
        theme_levels=read_of(ThemeLevelFigures, found.themes, observed_below_declared=found.themes.below_declared),
    )
