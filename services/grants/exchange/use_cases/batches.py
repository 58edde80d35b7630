"""What every import of the exchange does the same way: a file known by its digest (imported twice, it
changes nothing), and a file with any bad line refused whole, each line's broken rule named by its place in
the file, its column and its rule."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from services.grants.errors import RulesBrokenError, RuleViolationError
from services.grants.exchange.domain.cells import LineError


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def place(sheet: str | None, row: int) -> str:
    return f"{sheet}, row {row}" if sheet else f"line {row}"


def refuse_bad_lines(
    bad: Iterable[tuple[int, str | None, int, LineError]], columns: Mapping[str, str] | None = None
) -> None:
    """Raise every broken rule of (line, sheet, row, error) at once, if any: `lines/<line>/<field>`, the
    place, and the header the field was read from (`columns`: field → header) when given."""
    broken = []
    for line, sheet, row, error in bad:
        header = (columns or {}).get(error.field)
        where = place(sheet, row) + (f", column {header!r}" if header else "")
        broken.append(
            RuleViolationError(f"lines/{line}/{error.field}", error.rule, f"{where}: {error.message}", verbatim=True)
        )
    if broken:
        raise RulesBrokenError(broken)
