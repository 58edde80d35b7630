"""The participation indicators of a contract's evaluation, for one year."""

from __future__ import annotations

from dataclasses import dataclass

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.repository import BodyRepository
from services.participation.consultations.domain import Progress
from services.participation.consultations.repository import ConsultationRepository
from services.participation.consultations.use_cases import with_progress
from services.participation.errors import NotBoundError
from services.participation.evaluation.domain import (
    CITIZEN_KINDS,
    BodyFigures,
    MembersProfile,
    OpinionFigures,
    ThemeFigures,
    body_figures,
    members_profile,
    opinion_figures,
    referral_figures,
    theme_figures,
    year_ends,
)
from services.participation.evaluation.repository import IndicatorRepository


@dataclass(frozen=True, slots=True)
class ParticipationIndicators:
    contract_code: str
    year: int
    bodies: BodyFigures
    members_by_year: dict[int, tuple[int, int]]  # (members, of them fictitious) on 31 December
    profile: MembersProfile
    meetings_by_kind: dict[str, int]
    attendances: int
    participants: int
    institutions: list[str]
    opinions: OpinionFigures
    referrals: dict[str, int]
    consultations: list[tuple[str, Progress]]
    themes: ThemeFigures


async def indicators(
    uow: UnitOfWork, actor: Principal, contract_code: str, year: int, since: int
) -> ParticipationIndicators:
    """Members are counted in citizen bodies (not governance committees) on 31 December of each year;
    referrals by their status on the unit of work's day."""
    if not actor.works_on(contract_code):
        raise NotBoundError(contract_code)
    async with uow.reading():
        repository = IndicatorRepository(uow.session)
        bodies = BodyRepository(uow.session)
        days = year_ends(since, year)
        members = await repository.members_on(contract_code, CITIZEN_KINDS, list(days.values()))
        profile = members_profile(
            await repository.member_profiles(contract_code, CITIZEN_KINDS, days[year]),
            year_ended=days[year] < uow.today(),
        )
        attendances, participants, institutions = await repository.attendance(contract_code, year)
        started = await ConsultationRepository(uow.session).of_contract_year(contract_code, year)
        return ParticipationIndicators(
            contract_code=contract_code,
            year=year,
            bodies=body_figures(await bodies.of_contract(contract_code), days[year]),
            members_by_year={each: members[day] for each, day in days.items()},
            profile=profile,
            meetings_by_kind=dict(sorted(await repository.meetings(contract_code, year))),
            attendances=attendances,
            participants=participants,
            institutions=institutions,
            opinions=opinion_figures(await repository.opinions(contract_code, year)),
            referrals=referral_figures(await repository.referrals(contract_code, year), uow.today()),
            consultations=[(item.title, done) for item, done in await with_progress(uow, started)],
            themes=theme_figures(await bodies.theme_levels_of_contract(contract_code)),
        )
