"""The programmation's table and totals: which applications they hold, and how each reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NamedTuple

from services.grants.applications.domain.workflow import LIVE, State, data_part, year_part

# The parts of a contract's data the programmation holds (its live files, the notified ones among them),
# and the public totals (the notified files): other writes of the contract leave their answers standing.
PROGRAMMATION_PARTS = frozenset(data_part(state) for state in LIVE)
NOTIFIED_PARTS = frozenset({data_part(State.NOTIFIED)})


def of_year(parts: frozenset[str], year: int | None) -> frozenset[str]:
    """The parts an answer of one year holds (of every year: `parts`): a write of another year leaves it."""
    return parts if year is None else frozenset(year_part(part, year) for part in parts)


@dataclass(frozen=True, slots=True)
class ProgrammationFilter:
    """Which applications a programmation table or its totals hold: a contract's live ones, narrowed."""

    contract_code: str
    year: int | None = None
    scheme: str | None = None
    operator_id: uuid.UUID | None = None
    qpv_code: str | None = None
    objective_id: uuid.UUID | None = None
    pillar: str | None = None
    state: str | None = None
    institution_id: uuid.UUID | None = None


class Total(NamedTuple):
    """The figures of one key of a dimension (a financer, a pillar, a year…); amounts in cents."""

    key: str | None
    applications: int
    requested_cents: int
    proposed_cents: int
    decided_cents: int
    funded_actions: int


@dataclass(frozen=True, slots=True)
class Totals:
    """The programmation's totals per financer, pillar, ambition, P147 theme, year, QPV (or hors-QPV) and
    operator profile, and the figures the contract's evaluation asks of it."""

    by_financer: list[Total]
    by_pillar: list[Total]
    by_ambition: list[Total]
    by_theme: list[Total]
    by_year: list[Total]
    by_qpv: list[Total]
    by_operator_profile: list[Total]
    applications: int
    funded_actions: int  # with a decided amount above 0
    operators: int
    expected_beneficiaries: int
