"""The indicators an operator commits to in a multi-year convention (baseline, a target per year), "construits
dès le départ de la CPO par l'opérateur avec l'appui des services instructeurs" (the contract,
../shared/seeds/002…txt, line 1423), and the values it declares each year, read against the targets."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.grants.conventions.domain.convention import Term
from services.grants.errors import RuleViolationError

INDICATOR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    label: str
    unit: str
    baseline: Decimal
    targets: Mapping[int, Decimal]


@dataclass(frozen=True, slots=True)
class DeclaredValue:
    """The value reached in a year, and where the figure comes from."""

    year: int
    value: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class IndicatorYear:
    year: int
    target: Decimal | None
    reached: DeclaredValue | None
    progress_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class TrackedIndicator:
    """A convention's indicator as stored, with the values declared for it."""

    indicator_id: uuid.UUID
    indicator: Indicator
    values: list[DeclaredValue]

    def years(self, term: Term) -> list[IndicatorYear]:
        """Each year of the term: its target, the value declared and the progress from the baseline."""
        declared = {value.year: value for value in self.values}
        found = []
        for year in term.years:
            target, reached = self.indicator.targets.get(year), declared.get(year)
            progress = (
                None if target is None or reached is None
                else progress_percent(self.indicator.baseline, target, reached.value)
            )  # fmt: skip
            found.append(IndicatorYear(year, target, reached, progress))
        return found


def check_indicators(indicators: Sequence[Indicator], term: Term) -> None:
    seen: set[str] = set()
    for index, indicator in enumerate(indicators):
        where = f"indicators/{index}"
        if not INDICATOR_CODE.fullmatch(indicator.code):
            raise RuleViolationError(f"{where}/code", "indicator-code", "a code is 1–40 letters, digits, . _ -")
        if indicator.code in seen:
            raise RuleViolationError(f"{where}/code", "unique-code", f"{indicator.code} is defined twice")
        seen.add(indicator.code)
        if not indicator.targets:
            raise RuleViolationError(f"{where}/targets", "target-required", "an indicator has a target per year")
        for year in indicator.targets:
            check_value_year(year, term, f"{where}/targets/{year}")


def check_value_year(year: int, term: Term, field: str = "year") -> None:
    if year not in term.years:
        raise RuleViolationError(
            field, "year-of-convention", f"{year} is outside the convention's years {term.first_year}–{term.last_year}"
        )


def progress_percent(baseline: Decimal, target: Decimal, value: Decimal) -> Decimal | None:
    """How far from the baseline toward the target the value went (100 = reached; more than 100 = beyond;
    an indicator meant to decrease has a target below its baseline). None when target = baseline."""
    if target == baseline:
        return None
    return ((value - baseline) * 100 / (target - baseline)).quantize(Decimal("0.1"))
