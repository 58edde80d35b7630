"""The wire of the participation indicators of a contract's evaluation."""

from __future__ import annotations

from pydantic import Field

from kit.api_models import ApiModel
from services.participation.schemas import ProgressRead


class MembersOnYearEnd(ApiModel):
    year: int
    members: int = Field(description="People holding a mandate in a citizen body on 31 December")
    fictitious: int = Field(
        description="Of them, demo people (`fictitious`): a count made of them illustrates, it observes nothing"
    )


class MembersProfileRead(ApiModel):
    """On 31 December of the year. A breakdown with any count of 1 to 4 people is withheld whole: every
    gender null, no age band listed, the residents' share null. So is every breakdown of a year not ended
    (the count alone), which compared from one day to the next would tell who joined."""

    members: int
    genders: dict[str, int | None]
    age_bands: dict[str, int | None]
    residents_share: str | None = Field(
        description="Null when the residents or the other members number 1 to 4: the share would reveal that count"
    )


class OpinionFiguresRead(ApiModel):
    issued: int
    by_kind: dict[str, int]
    answered: int
    taken_up: int = Field(description="Accepted in full or in part")
    rejected: int
    share_answered: str | None
    share_taken_up: str | None = Field(description="Of the opinions answered")
    median_days_to_answer: str | None


class ConsultationFigures(ApiModel):
    title: str
    progress: ProgressRead


class ThemeLevelFigures(ApiModel):
    """Participation levels of the bodies' themes, declared and observed, on the ladder."""

    declared: dict[str, int]
    observed: dict[str, int]
    observed_below_declared: int


class ParticipationIndicatorsRead(ApiModel):
    contract_code: str
    year: int
    bodies_by_kind: dict[str, int] = Field(description="Bodies living on 31 December of the year")
    bodies_by_level: dict[str, int] = Field(description="Bodies living on 31 December of the year")
    bodies_by_status: dict[str, int] = Field(
        description="Bodies established by 31 December of the year, by their status on that day"
    )
    members_by_year: list[MembersOnYearEnd]
    members_profile: MembersProfileRead
    meetings_by_kind: dict[str, int]
    attendances: int = Field(description="Presences at the year's meetings")
    participants: int = Field(description="Distinct people present at least once")
    institutions_represented: list[str]
    opinions: OpinionFiguresRead
    referrals: dict[str, int]
    consultations: list[ConsultationFigures] = Field(description="Campaigns started that year against their targets")
    theme_levels: ThemeLevelFigures
