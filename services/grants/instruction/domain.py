"""The instruction of the applications by the financers: scoring grids, versioned per call and each owned
by one institution, the marks each institution gives and its private notes; what an institution writes,
no other institution reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from identity.principal import Principal, Role
from services.grants.errors import ForbiddenMoveError, RuleViolationError
from services.grants.operators.domain import own_organisations

# The prefecture's grille de cotation of equality between women and men, a transversal axis since the loi
# n°2014-173 (the contract, ../shared/seeds/002…txt, line 1349; Pas-de-Calais since 2019): the State's.
GENDER_EQUALITY = "gender-equality"


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    label: str
    weight: int
    scale_max: int


@dataclass(frozen=True, slots=True)
class Grid:
    """A version of a call's grid; a change is a new version, marks keep the one they used."""

    grid_id: uuid.UUID
    call_id: uuid.UUID
    code: str
    version: int
    label: str
    owner_institution: str
    criteria: list[Criterion]


@dataclass(frozen=True, slots=True)
class GridMarks:
    """An institution's marks on one grid (criterion → value and comment), and their weighted total."""

    grid: Grid
    marks: dict[str, tuple[int, str | None]]
    total: Decimal | None


@dataclass(frozen=True, slots=True)
class Annotation:
    annotation_id: uuid.UUID
    institution_code: str
    author: str
    text: str
    score: int | None
    created_at: datetime


def speaking_institution(actor: Principal, what: str) -> str:
    """The institution the caller writes and reads `what` for: an operator's users and callers without an
    institution have none."""
    if own_organisations(actor) is not None or not actor.institution:
        raise ForbiddenMoveError(f"{what} belong to an institution; this caller speaks for none")
    return actor.institution


def check_grid_publisher(actor: Principal, code: str) -> None:
    """The gender-equality grid is the State's."""
    if code == GENDER_EQUALITY and Role.STATE not in actor.roles:
        raise ForbiddenMoveError("the gender-equality grid is the State's")


def check_grid_owner(code: str, owner: str, versions: list[Grid]) -> None:
    """A grid's new version comes from the institution that owns it."""
    if versions and versions[-1].owner_institution != owner:
        raise ForbiddenMoveError(f"grid {code} belongs to {versions[-1].owner_institution}")


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
