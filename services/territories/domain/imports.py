"""What every file import reports: the lines it refused, each with its number, field and rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.territories.domain.errors import TerritoriesError


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    field: str
    rule: str
    message: str


class ImportRejectedError(TerritoriesError):
    """An all-or-nothing import met bad lines: nothing was written."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        lines = len({error.line for error in errors})
        super().__init__(f"{lines} line(s) refused ({len(errors)} errors); nothing was imported")
        self.errors = list(errors)
