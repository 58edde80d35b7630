"""Scoring grids, versioned per call, each owned by one institution (the prefecture's gender-equality
grid by the State); marks are private to the institution that gives them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.grants.errors import RuleViolationError

GENDER_EQUALITY = "gender-equality"  # the Pas-de-Calais prefecture's grille de cotation, owned by the State


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    label: str
    weight: int
    scale_max: int


def check_criteria(criteria: list[Criterion]) -> None:
    codes = [criterion.code for criterion in criteria]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise RuleViolationError("criteria", "unique-criterion", f"criteria repeated: {', '.join(repeated)}")


def check_marks(criteria: list[Criterion], marks: dict[str, int]) -> None:
    by_code = {criterion.code: criterion for criterion in criteria}
    for position, (code, value) in enumerate(marks.items()):
        criterion = by_code.get(code)
        if criterion is None:
            raise RuleViolationError(f"marks/{position}/criterion", "criterion-of-grid", f"{code} is not in this grid")
        if not 0 <= value <= criterion.scale_max:
            raise RuleViolationError(
                f"marks/{position}/value", "within-scale", f"{code} is marked 0 to {criterion.scale_max}, not {value}"
            )


def weighted_total(criteria: list[Criterion], marks: dict[str, int]) -> Decimal | None:
    """Marks weighted and brought to a score out of 100 (None until every criterion is marked)."""
    if any(criterion.code not in marks for criterion in criteria) or not criteria:
        return None
    reached = sum((Decimal(marks[c.code]) / c.scale_max * c.weight for c in criteria if c.scale_max), Decimal(0))
    possible = sum(c.weight for c in criteria)
    return (reached * 100 / possible).quantize(Decimal("0.1")) if possible else None
