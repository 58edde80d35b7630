"""The participation contract: what callers send and read."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiModel


def wire_name(path: str) -> str:
    """A field path as the wire spells it: each snake_case segment in camelCase (`attendance/0/proxy_to` ->
    `attendance/0/proxyTo`), codes and positions as they are."""
    return re.sub(r"_([a-z])", lambda letter: letter.group(1).upper(), path)


QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]
CommuneCode = Annotated[str, StringConstraints(pattern=r"^([0-9]{5}|2[AB][0-9]{3})$")]
CollegeName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")]
Institution = Annotated[str, StringConstraints(min_length=2, max_length=200, strip_whitespace=True)]
ContractCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
AgeBand = Annotated[str, StringConstraints(pattern=r"^[0-9+-]{2,10}$")]
GenderName = Literal["f", "m", "x"]
PersonName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Contact = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Title = Annotated[str, StringConstraints(min_length=2, max_length=300, strip_whitespace=True)]


class WarningRead(ApiModel):
    rule: str
    message: str


class MembersOnYearEnd(ApiModel):
    year: int
    members: int = Field(description="People holding a mandate in a citizen body on 31 December")


class MembersProfileRead(ApiModel):
    """On 31 December of the year; a count under 5 people (or one that would reveal it) is null."""

    members: int
    genders: dict[str, int | None]
    age_bands: dict[str, int | None]
    residents_share: str | None


class OpinionFiguresRead(ApiModel):
    issued: int
    by_kind: dict[str, int]
    answered: int
    taken_up: int = Field(description="Accepted in full or in part")
    rejected: int
    share_answered: str | None
    share_taken_up: str | None = Field(description="Of the opinions answered")
    median_days_to_answer: str | None


class ProgressRead(ApiModel):
    interviews: int
    events: int
    neighbourhoods: int
    reached: dict[str, bool | None] = Field(description="Per target; null when no target was set")


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
    bodies_by_kind: dict[str, int] = Field(description="Bodies not dissolved")
    bodies_by_level: dict[str, int]
    bodies_by_status: dict[str, int]
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
