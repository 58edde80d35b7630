"""The participation indicators of a contract's evaluation, for one year."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from kit.auth.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import (
    GOVERNANCE_KINDS,
    BodyKind,
    BodyStatus,
    ParticipationLevel,
    ThemeLevel,
    below_declared,
)
from services.participation.bodies.repository import BodyRepository
from services.participation.consultations.domain import Progress
from services.participation.consultations.repository import ConsultationRepository
from services.participation.consultations.use_cases import with_progress
from services.participation.db.repositories import IndicatorRepository
from services.participation.domain.evaluation import (
    MembersProfile,
    OpinionFigures,
    members_profile,
    opinion_figures,
    referral_figures,
)
from services.participation.errors import NotBoundError

CITIZEN_KINDS = sorted(kind.value for kind in BodyKind if kind not in GOVERNANCE_KINDS)


@dataclass(frozen=True, slots=True)
class ParticipationIndicators:
    contract_code: str
    year: int
    bodies_by_kind: dict[str, int]
    bodies_by_level: dict[str, int]
    bodies_by_status: dict[str, int]
    members_by_year: dict[int, int]
    profile: MembersProfile
    meetings_by_kind: dict[str, int]
    attendances: int
    participants: int
    institutions: list[str]
    opinions: OpinionFigures
    referrals: dict[str, int]
    consultations: list[tuple[str, Progress]]
    themes_declared: dict[str, int]
    themes_observed: dict[str, int]
    themes_below_declared: int


def _count(values: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


async def indicators(
    uow: UnitOfWork, actor: Principal, contract_code: str, year: int, since: int, today: date
) -> ParticipationIndicators:
    """Members are counted in citizen bodies (not governance committees) on 31 December of each year."""
    if not actor.works_on(contract_code):
        raise NotBoundError(contract_code)
    async with uow.reading():
        repository = IndicatorRepository(uow.session)
        bodies = await BodyRepository(uow.session).kinds_levels_statuses(contract_code)
        living = [item for item in bodies if item[2] != BodyStatus.DISSOLVED.value]
        year_ends = {each: date(each, 12, 31) for each in range(since, year + 1)}
        members = await repository.members_on(contract_code, CITIZEN_KINDS, list(year_ends.values()))
        profile = members_profile(await repository.member_profiles(contract_code, CITIZEN_KINDS, year_ends[year]))
        meetings = dict(sorted(await repository.meetings(contract_code, year)))
        attendances, participants, institutions = await repository.attendance(contract_code, year)
        opinions = opinion_figures(await repository.opinions(contract_code, year))
        referrals = referral_figures(await repository.referrals(contract_code, year), today)
        theme_levels = [
            ThemeLevel("", ParticipationLevel(declared), None if observed is None else ParticipationLevel(observed))
            for declared, observed in await BodyRepository(uow.session).theme_levels_of_contract(contract_code)
        ]
        started = await ConsultationRepository(uow.session).of_contract_year(contract_code, year)
        consultations = [(item.title, done) for item, done in await with_progress(uow, started)]
    return ParticipationIndicators(
        contract_code=contract_code,
        year=year,
        bodies_by_kind=_count([kind for kind, _, _ in living]),
        bodies_by_level=_count([level for _, level, _ in living]),
        bodies_by_status=_count([status for _, _, status in bodies]),
        members_by_year={each: members[day] for each, day in year_ends.items()},
        profile=profile,
        meetings_by_kind=meetings,
        attendances=attendances,
        participants=participants,
        institutions=institutions,
        opinions=opinions,
        referrals=referrals,
        consultations=consultations,
        themes_declared=_count([level.declared.value for level in theme_levels]),
        themes_observed=_count([level.observed.value for level in theme_levels if level.observed is not None]),
        themes_below_declared=sum(1 for level in theme_levels if below_declared(level)),
    )
