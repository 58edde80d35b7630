"""The exchange's wire: the decisions imported, their lines and changes, a resolution, the header spellings."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import (
    LongText,
)


class DecisionChangeRead(ApiModel):
    field: str
    ours: Any
    theirs: Any
    divergent: bool = Field(description="We hold another value: reported, never overwritten without a resolution")


class LineErrorRead(ApiModel):
    field: str
    rule: str
    message: str


class DecisionLineRead(ApiModel):
    line: int = Field(description="Position among the file's data lines")
    sheet: str | None
    row: int = Field(description="Row number in the file (or sheet), the header being row 1")
    status: Literal[
        "applied",
        "unchanged",
        "nothing_to_decide",
        "divergent",
        "unmatched",
        "error",
        "resolved_applied",
        "resolved_kept",
    ] = Field(
        description="In a dry run, `applied` means would be applied. `nothing_to_decide`: the line gives no"
        " amount, decision, date nor EJ (an application not decided yet, in our own export): it changes nothing"
    )
    matched_by: str | None
    application_id: uuid.UUID | None
    changes: list[DecisionChangeRead]
    errors: list[LineErrorRead]


class DecisionImportRead(ApiModel):
    batch_id: uuid.UUID | None = Field(description="None for a dry run: nothing is stored")
    dry_run: bool
    already_imported: bool = Field(description="The same file was imported before: nothing changed")
    columns: dict[str, str] = Field(description="Field → the header it was read from")
    counts: dict[str, int]
    lines: list[DecisionLineRead]


class LineResolutionInput(ApiInput):
    action: Literal["apply", "keep"] = Field(description="A divergence: apply the file's values or keep ours")
    application_id: uuid.UUID | None = Field(default=None, description="An unmatched line: the application it is")
    reason: LongText


class HeaderAliasesInput(ApiInput):
    aliases: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,30}$")],
        list[Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]],
    ] = Field(max_length=20, description="Field → the contract's own header spellings, tried first")


class RequestLineErrorRead(ApiModel):
    field: str = Field(description="The import's field (requestImport's `columns` gives the header it was read from)")
    column: str | None = Field(description="The header of the file's column, when the field was read from one")
    rule: str
    message: str


class RequestLineRead(ApiModel):
    line: int = Field(description="Position among the file's data lines")
    sheet: str | None
    row: int = Field(description="Row number in the file (or sheet), the header being row 1")
    status: Literal["created", "updated", "unchanged", "error"] = Field(
        description="What the line's request does to the call's draft (in a dry run: would do). The lines of"
        " one request (one per financer asked) share its status"
    )
    application_id: uuid.UUID | None = Field(description="None for a draft a dry run would create")
    operator_created: bool = Field(description="The request's SIRET was new to the contract: its operator created")
    changes: list[str] = Field(description="The application's fields set (requested/<financer id>: an amount asked)")
    errors: list[RequestLineErrorRead]


class RequestImportRead(ApiModel):
    batch_id: uuid.UUID | None = Field(description="None for a dry run: nothing is stored")
    dry_run: bool
    already_imported: bool = Field(description="The same file was imported into the call before: nothing changed")
    columns: dict[str, str] = Field(description="Field → the header it was read from")
    counts: dict[str, int]
    lines: list[RequestLineRead]
