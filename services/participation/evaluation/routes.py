"""HTTP route of the participation indicators of a contract's evaluation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Query

from kit.api_models import plain_decimal
from kit.database import request_unit_of_work
from kit.problems import FieldError, ProblemError
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.evaluation import use_cases as evaluation
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
    contract_code: Annotated[str, Query(alias="contractCode", pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")],
    year: Annotated[int, Query(ge=2000, le=2100)],
    since: Annotated[int | None, Query(ge=2000, le=2100, description="First year of the members' series")] = None,
) -> ParticipationIndicatorsRead:
    """What the evaluation asks of participation for a year: bodies by kind and level, members and their
    evolution, parity and ages (counts under 5 hidden), meetings, participants, institutions represented,
    opinions issued, answered and taken up, time to answer, referrals."""
    first = year - 5 if since is None else since
    if first > year:
        message = "the series starts no later than the year asked"
        broken = FieldError(pointer="/query/since", field="since", rule="since-not-after-year", message=message)
        raise ProblemError(422, "validation", "Invalid input", message, errors=[broken])
    found = await evaluation.indicators(uow, principal, contract_code, year, first, datetime.now(UTC).date())
    profile, opinions = found.profile, found.opinions
    return ParticipationIndicatorsRead(
        contract_code=found.contract_code,
        year=found.year,
        bodies_by_kind=found.bodies.by_kind,
        bodies_by_level=found.bodies.by_level,
        bodies_by_status=found.bodies.by_status,
        members_by_year=[MembersOnYearEnd(year=each, members=count) for each, count in found.members_by_year.items()],
        members_profile=MembersProfileRead(
            members=profile.members,
            genders=profile.genders,
            age_bands=profile.age_bands,
            residents_share=_decimal(profile.residents_share),
        ),
        meetings_by_kind=found.meetings_by_kind,
        attendances=found.attendances,
        participants=found.participants,
        institutions_represented=found.institutions,
        opinions=OpinionFiguresRead(
            issued=opinions.issued,
            by_kind=opinions.by_kind,
            answered=opinions.answered,
            taken_up=opinions.taken_up,
            rejected=opinions.rejected,
            share_answered=_decimal(opinions.share_answered),
            share_taken_up=_decimal(opinions.share_taken_up),
            median_days_to_answer=_decimal(opinions.median_days_to_answer),
        ),
        referrals=found.referrals,
        consultations=[
            ConsultationFigures(
                title=title,
                progress=ProgressRead.model_validate(done, from_attributes=True),
            )
            for title, done in found.consultations
        ],
        theme_levels=ThemeLevelFigures(
            declared=found.themes.declared,
            observed=found.themes.observed,
            observed_below_declared=found.themes.below_declared,
        ),
    )
