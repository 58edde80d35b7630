"""The wire types several features share: constrained strings, a warning, a campaign's progress; and how the
wire spells a field."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import CONTRACT_CODE_PATTERN, ApiModel


def wire_name(path: str) -> str:
    """A field path as the wire spells it: each snake_case segment in camelCase (`attendance/0/proxy_to` ->
    `attendance/0/proxyTo`), codes and positions as they are."""
    return re.sub(r"_([a-z])", lambda letter: letter.group(1).upper(), path)


QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]
CommuneCode = Annotated[str, StringConstraints(pattern=r"^([0-9]{5}|2[AB][0-9]{3})$")]
CollegeName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")]
Institution = Annotated[str, StringConstraints(min_length=2, max_length=200, strip_whitespace=True)]
ContractCode = Annotated[str, StringConstraints(pattern=CONTRACT_CODE_PATTERN)]
AgeBand = Annotated[str, StringConstraints(pattern=r"^[0-9+-]{2,10}$")]
GenderName = Literal["f", "m", "x"]
PersonName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Contact = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Title = Annotated[str, StringConstraints(min_length=2, max_length=300, strip_whitespace=True)]


class WarningRead(ApiModel):
    rule: str
    message: str


class ProgressRead(ApiModel):
    interviews: int
    events: int
    neighbourhoods: int
    reached: dict[str, bool | None] = Field(description="Per target; null when no target was set")
