"""The contract's evaluation framework: its indicators, each with a baseline (value, year, perimeter), a
target (value, year, which way it is reached) and the values observed each year, so that a review reads
"where we are against what we said". Each serves one of the six objects the contract evaluates (the
contract ../shared/seeds/002…txt, lines 2227-2267: droit commun, impacts d'actions, participation
citoyenne, observations, programmations annuelles, gouvernance). The circulaire du 4 janvier 2024 asks
"des indicateurs de suivis … établis dès l'élaboration du contrat" (line 2190). The CPO indicators of a
convention stay per convention (conventions/)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from services.grants.errors import RuleViolationError


class EvaluationObject(StrEnum):
    DROIT_COMMUN = "droit_commun"
    ACTION_IMPACTS = "action_impacts"
    PARTICIPATION = "participation"
    OBSERVATION = "observation"
    ANNUAL_PROGRAMMATIONS = "annual_programmations"
    GOVERNANCE = "governance"


class Direction(StrEnum):
    """Which way the target is reached: at least the target value, or at most it (a cap)."""

    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True, slots=True)
class Baseline:
    value: Decimal | None
    year: int | None
    perimeter: str | None
    source: str | None
    is_fictitious: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    value: Decimal | None
    year: int | None
    direction: Direction
    source: str | None
    is_fictitious: bool = False


@dataclass(frozen=True, slots=True)
class Observation:
    year: int
    value: Decimal
    perimeter: str | None
    source: str | None
    is_fictitious: bool = False


@dataclass(frozen=True, slots=True)
class ContractIndicator:
    indicator_id: uuid.UUID
    contract_code: str
    code: str
    label: str
    unit: str
    evaluation_object: EvaluationObject
    baseline: Baseline
    target: Target
    observations: tuple[Observation, ...] = ()
    version: int = 1


@dataclass(frozen=True, slots=True)
class Standing:
    """Where the indicator stands at a year: the latest value observed up to it, its change since the
    baseline, and whether the target is reached (None: no value or no target)."""

    year: int | None
    value: Decimal | None
    since_baseline: Decimal | None
    to_target: Decimal | None
    reached: bool | None
    is_fictitious: bool


def standing(indicator: ContractIndicator, year: int | None) -> Standing:
    seen = [item for item in indicator.observations if year is None or item.year <= year]
    latest = max(seen, key=lambda item: item.year) if seen else None
    if latest is None:
        return Standing(None, None, None, None, None, False)
    baseline, target = indicator.baseline.value, indicator.target.value
    since = None if baseline is None else latest.value - baseline
    to_target = None if target is None else target - latest.value
    reached = None
    if target is not None:
        reached = latest.value >= target if indicator.target.direction is Direction.AT_LEAST else latest.value <= target
    return Standing(latest.year, latest.value, since, to_target, reached, latest.is_fictitious)


def check_indicator(indicator: ContractIndicator, start_year: int, end_year: int) -> list[RuleViolationError]:
    """Every broken rule of a definition at once: a target year within the contract, a baseline before it."""
    broken = []
    target_year, baseline_year = indicator.target.year, indicator.baseline.year
    if target_year is not None and not start_year <= target_year <= end_year:
        broken.append(
            RuleViolationError(
                "target/year", "year-of-contract", f"the target's year is within the contract's {start_year}-{end_year}"
            )
        )
    if target_year is not None and baseline_year is not None and baseline_year > target_year:
        broken.append(RuleViolationError("baseline/year", "baseline-before-target", "the baseline precedes the target"))
    if (indicator.target.value is None) != (target_year is None):
        broken.append(RuleViolationError("target", "value-and-year", "a target has both a value and a year"))
    return broken


def check_observation_year(year: int, start_year: int, end_year: int, baseline_year: int | None) -> None:
    """A value is observed during the contract (or at its baseline's year, before it)."""
    if not (start_year <= year <= end_year or year == baseline_year):
        raise RuleViolationError(
            "year", "year-of-contract", f"a value is observed within {start_year}-{end_year} or at the baseline's year"
        )
