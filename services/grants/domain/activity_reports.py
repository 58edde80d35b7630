"""The activity report of a year's action: what was done (qualitative) and who was reached (actual
beneficiaries, with the same breakdown as the expected ones), optionally from an uploaded list of
beneficiaries' coordinates of which only counts are kept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.grants.applications.domain.application import Beneficiaries
from services.grants.errors import RuleViolationError


@dataclass(frozen=True, slots=True)
class LocatedBeneficiaries:
    """Counts of an uploaded list of coordinates, as territories classified them."""

    points: int
    in_qpv: int
    outside: int
    refused: int
    by_qpv: Mapping[str, int] = field(default_factory=dict)

    @property
    def share_in_qpv_percent(self) -> int | None:
        located = self.in_qpv + self.outside
        return None if located == 0 else round(100 * self.in_qpv / located)


def count_located(classified: Iterable[tuple[str, list[str]]]) -> LocatedBeneficiaries:
    """Each item: (status `ok` or `error`, QPV codes containing the point)."""
    points = in_qpv = outside = refused = 0
    by_qpv: dict[str, int] = {}
    for status, codes in classified:
        points += 1
        if status != "ok":
            refused += 1
        elif codes:
            in_qpv += 1
            for code in codes:
                by_qpv[code] = by_qpv.get(code, 0) + 1
        else:
            outside += 1
    return LocatedBeneficiaries(points, in_qpv, outside, refused, dict(sorted(by_qpv.items())))


@dataclass(frozen=True, slots=True)
class ActivityReport:
    summary: str
    results: str
    difficulties: str | None
    outlook: str | None
    beneficiaries: Beneficiaries


def check_beneficiaries(actual: Beneficiaries) -> None:
    if actual.total is None:
        raise RuleViolationError("beneficiaries/total", "required", "the report counts the beneficiaries reached")
    if (actual.women or 0) + (actual.men or 0) > actual.total:
        raise RuleViolationError("beneficiaries", "parts-within-total", "women + men exceed the total")
    if sum(actual.age_bands.values()) > actual.total:
        raise RuleViolationError("beneficiaries/ageBands", "parts-within-total", "the age bands exceed the total")
