"""The wire shared by several features: codes and texts as the API spells them, the report of a file import.

A feature's own requests and answers live in its `schemas.py`; these are the pieces two or more of them use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field, StringConstraints

from kit.api_models import ApiModel
from kit.problems import ProblemError

GENERATION_PATTERN = r"^[0-9]{4}-[0-9]{4}$"
QPV_CODE_PATTERN = r"^Q[A-Z0-9]{5,9}$"
EPCI_CODE_PATTERN = r"^[0-9]{9}$"  # the SIREN of the EPCI
COMMUNE_CODE_PATTERN = r"^[0-9][0-9AB][0-9]{3}$"  # INSEE code; 2A/2B for Corsica

CommuneCode = Annotated[str, StringConstraints(pattern=r"^([0-9][0-9AB][0-9]{3})$")]
EpciCode = Annotated[str, StringConstraints(pattern=EPCI_CODE_PATTERN)]
QpvCode = Annotated[str, StringConstraints(pattern=QPV_CODE_PATTERN)]
GenerationCode = Annotated[str, StringConstraints(pattern=GENERATION_PATTERN)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
ExactDecimal = Annotated[
    str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", description="Exact decimal as a string (never a binary float)")
]

EpciFilter = Annotated[str | None, Query(alias="codeEpci", pattern=EPCI_CODE_PATTERN)]
Generation = Annotated[str, Query(pattern=GENERATION_PATTERN, description="QPV generation, e.g. 2024-2030")]


class GeoJsonResponse(JSONResponse):
    """A GeoJSON answer, with the media type RFC 7946 registers (§12): `application/geo+json`."""

    media_type = "application/geo+json"


class LineErrorRead(ApiModel):
    line: int
    field: str
    rule: str
    message: str


class ImportReportRead(ApiModel):
    """What a file import did (or, in a dry run, would do), and every line it refused."""

    lines: int
    valid: int
    created: int = Field(description="Records new to the platform (in a dry run: that would be)")
    unchanged: int = Field(description="Records already stored as they are in the file")
    skipped: int
    dry_run: bool
    errors: list[LineErrorRead]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How a file import treats its bad lines, as its query asks."""

    dry_run: bool
    skip_bad_lines: bool

    def arguments(self) -> dict[str, Any]:
        """The options as a job's arguments."""
        return {"dryRun": self.dry_run, "skipBadLines": self.skip_bad_lines}


def import_options(
    dry_run: Annotated[bool, Query(alias="dryRun", description="Report every line, write nothing")] = False,
    on_bad_line: Annotated[
        Literal["reject", "skip"],
        Query(alias="onBadLine", description="reject: all-or-nothing (default); skip: report and skip"),
    ] = "reject",
) -> ImportOptions:
    return ImportOptions(dry_run=dry_run, skip_bad_lines=on_bad_line == "skip")


async def csv_upload(request: Request) -> bytes:
    """The body of a CSV upload; any other media type is refused (415)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "text/csv":
        raise ProblemError(415, "unsupported-media-type", "Unsupported media type", "Send text/csv.")
    return await request.body()
