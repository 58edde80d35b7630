"""The figures the contract's evaluation asks of a year's programmation (research/grants.md §3.3 soft
rules, the contract's "annual programmations" and "action impacts" objects, ../shared/seeds/002…txt, lines
2237-2257): actions funded, the share under multi-year agreements (goal: more than half), the share of new
actions, the leverage of the State's credits, beneficiaries expected against reached, and the CPO
indicators against their targets; an operator's history; a convention's final evaluation."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.grants.applications.domain.workflow import State
from services.grants.conventions.domain import ConventionStatus, Indicator, progress_percent
from services.grants.errors import NotEditableError, RuleViolationError
from services.grants.reports.domain import ReportStatus

# "Contractualiser plus de 50 % des actions du programme" in CPO (the contract, line 1399; the circulaire du
# 31 août 2023, line 192).
CPO_GOAL_PERCENT = 50
# "90 actions annuelles, 30 % d'actions nouvelles" (the contract, line 1415).
NEW_ACTIONS_GUIDE_PERCENT = 30
# A report that counts: submitted, or accepted after review.
REPORTED = frozenset({ReportStatus.SUBMITTED, ReportStatus.ACCEPTED})


def share_percent(part: int, whole: int) -> Decimal | None:
    """part / whole in percent to a tenth; None when there is no whole."""
    return None if whole == 0 else (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class Reached:
    """Beneficiaries as an application expects them or an activity report counts them."""

    total: int | None = None
    women: int | None = None
    men: int | None = None
    share_in_qpv_percent: int | None = None

    @classmethod
    def of(cls, counted: Mapping[str, Any] | None, located: Mapping[str, Any] | None = None) -> Reached:
        """From the beneficiaries an application or a report counts (as Beneficiaries are kept) and the counts
        of an uploaded list (as the activity report keeps them): the list's share living in QPV wins over a
        declared one."""
        counted = counted or {}
        share = located.get("sharePercent") if located else None
        return cls(
            total=counted.get("total"),
            women=counted.get("women"),
            men=counted.get("men"),
            share_in_qpv_percent=share if share is not None else counted.get("share_in_qpv_percent"),
        )

    @property
    def in_qpv(self) -> Decimal | None:
        if self.total is None or self.share_in_qpv_percent is None:
            return None
        return Decimal(self.total) * self.share_in_qpv_percent / 100


@dataclass(frozen=True, slots=True)
class FundedAction:
    """A notified application of the year with money decided."""

    application_id: uuid.UUID
    renewal: bool
    under_cpo: bool
    total_cost_cents: int
    decided_cents: int
    p147_decided_cents: int
    expected: Reached
    reached: Reached | None  # None until the activity report is submitted


@dataclass(frozen=True, slots=True)
class BeneficiaryTotals:
    total: int
    women: int
    men: int
    share_in_qpv_percent: Decimal | None


def _totals(counted: Sequence[Reached]) -> BeneficiaryTotals:
    known = [item for item in counted if item.in_qpv is not None]
    in_qpv = sum((item.in_qpv for item in known if item.in_qpv is not None), Decimal(0))
    people = sum(item.total or 0 for item in known)
    return BeneficiaryTotals(
        total=sum(item.total or 0 for item in counted),
        women=sum(item.women or 0 for item in counted),
        men=sum(item.men or 0 for item in counted),
        share_in_qpv_percent=None if people == 0 else (in_qpv * 100 / people).quantize(Decimal("0.1")),
    )


@dataclass(frozen=True, slots=True)
class BeneficiariesCompared:
    """Expected beneficiaries of every funded action; expected against reached on the actions that reported."""

    expected_all: BeneficiaryTotals
    reporting_actions: int
    expected_of_reporting: BeneficiaryTotals
    reached: BeneficiaryTotals
    reached_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class YearEvaluation:
    actions_funded: int
    under_cpo: int
    cpo_share_percent: Decimal | None
    cpo_goal_met: bool
    new_actions: int
    new_share_percent: Decimal | None
    total_cost_cents: int
    decided_cents: int
    p147_decided_cents: int
    co_financing_cents: int
    # Euros decided by the other financers for each euro of P147 (the State credits' leverage).
    leverage: Decimal | None
    beneficiaries: BeneficiariesCompared


def evaluate_year(actions: Iterable[FundedAction]) -> YearEvaluation:
    funded = list(actions)
    under_cpo = sum(1 for action in funded if action.under_cpo)
    new = sum(1 for action in funded if not action.renewal)
    decided = sum(action.decided_cents for action in funded)
    p147 = sum(action.p147_decided_cents for action in funded)
    reporting = [action for action in funded if action.reached is not None]
    expected_of_reporting = _totals([action.expected for action in reporting])
    reached = _totals([action.reached for action in reporting if action.reached is not None])
    cpo_share = share_percent(under_cpo, len(funded))
    return YearEvaluation(
        actions_funded=len(funded),
        under_cpo=under_cpo,
        cpo_share_percent=cpo_share,
        cpo_goal_met=cpo_share is not None and cpo_share > CPO_GOAL_PERCENT,
        new_actions=new,
        new_share_percent=share_percent(new, len(funded)),
        total_cost_cents=sum(action.total_cost_cents for action in funded),
        decided_cents=decided,
        p147_decided_cents=p147,
        co_financing_cents=decided - p147,
        leverage=None if p147 == 0 else (Decimal(decided - p147) / Decimal(p147)).quantize(Decimal("0.01")),
        beneficiaries=BeneficiariesCompared(
            expected_all=_totals([action.expected for action in funded]),
            reporting_actions=len(reporting),
            expected_of_reporting=expected_of_reporting,
            reached=reached,
            reached_percent=share_percent(reached.total, expected_of_reporting.total),
        ),
    )


@dataclass(frozen=True, slots=True)
class IndicatorFacts:
    """One year of an agreement's indicator: its target that year and the value declared."""

    convention_id: uuid.UUID
    convention_reference: str
    operator_id: uuid.UUID
    operator_name: str
    year: int
    indicator: Indicator
    value: Decimal | None

    @property
    def target(self) -> Decimal | None:
        return self.indicator.targets.get(self.year)


@dataclass(frozen=True, slots=True)
class IndicatorProgress:
    facts: IndicatorFacts
    progress_percent: Decimal | None
    reached: bool | None  # None while no value or no target


def indicator_progress(facts: IndicatorFacts) -> IndicatorProgress:
    if facts.target is None or facts.value is None:
        return IndicatorProgress(facts, None, None)
    baseline = facts.indicator.baseline
    progress = progress_percent(baseline, facts.target, facts.value)
    reached = (
        facts.value >= facts.target
        if facts.target >= baseline
        # An indicator meant to decrease (a dropout rate) is reached at or below its target.
        else facts.value <= facts.target
    )
    return IndicatorProgress(facts, progress, reached)


@dataclass(frozen=True, slots=True)
class IndicatorSummary:
    with_target: int
    reported: int
    reached: int


def summarise_indicators(progress: Sequence[IndicatorProgress]) -> IndicatorSummary:
    return IndicatorSummary(
        with_target=sum(1 for item in progress if item.facts.target is not None),
        reported=sum(1 for item in progress if item.facts.value is not None),
        reached=sum(1 for item in progress if item.reached),
    )


@dataclass(frozen=True, slots=True)
class OperatorAction:
    """One application of an operator, as its history shows it."""

    application_id: uuid.UUID
    year: int
    title: str
    state: State
    renewal: bool
    under_cpo: bool
    convention_reference: str | None
    requested_cents: int
    decided_cents: int
    p147_decided_cents: int
    financial_report: ReportStatus | None  # None while none is submitted
    activity_report: ReportStatus | None
    expected: Reached
    reached: Reached | None

    @property
    def funded(self) -> bool:
        return self.state is State.NOTIFIED and self.decided_cents > 0


@dataclass(frozen=True, slots=True)
class OperatorYear:
    year: int
    applications: int
    funded: int
    under_cpo: int
    requested_cents: int
    decided_cents: int
    p147_decided_cents: int
    actions: list[OperatorAction]


def operator_years(actions: Iterable[OperatorAction]) -> list[OperatorYear]:
    """An operator's applications grouped by year, oldest first, with the year's sums (decided: funded only)."""
    by_year: dict[int, list[OperatorAction]] = {}
    for action in actions:
        by_year.setdefault(action.year, []).append(action)
    years = []
    for year, found in sorted(by_year.items()):
        funded = [action for action in found if action.funded]
        years.append(
            OperatorYear(
                year=year,
                applications=len(found),
                funded=len(funded),
                under_cpo=sum(1 for action in funded if action.under_cpo),
                requested_cents=sum(action.requested_cents for action in found),
                decided_cents=sum(action.decided_cents for action in funded),
                p147_decided_cents=sum(action.p147_decided_cents for action in funded),
                actions=found,
            )
        )
    return years


class EvaluationOutcome(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"


class Recommendation(StrEnum):
    RENEW = "renew"
    RENEW_WITH_CHANGES = "renew_with_changes"
    END = "end"


@dataclass(frozen=True, slots=True)
class FinalEvaluationRecord:
    """The managers' assessment that closes a convention, and what they recommend."""

    assessment: str
    outcome: EvaluationOutcome
    recommendation: Recommendation
    evaluated_by: str
    evaluated_at: datetime


def check_closable(status: ConventionStatus, last_year: int, last_year_actions: Sequence[OperatorAction]) -> None:
    """A signed convention is evaluated, and so closed, once its last year is notified and reported on (the
    actions in CPO get an evaluation of their own: the contract, line 2237)."""
    if status is not ConventionStatus.SIGNED:
        raise NotEditableError(f"a {status.value} convention is not evaluated; a signed one is")
    if not any(action.state is State.NOTIFIED for action in last_year_actions):
        raise RuleViolationError(
            "convention", "last-year-notified", f"the convention's last year ({last_year}) has no notified application"
        )
    if not any(action.activity_report in REPORTED for action in last_year_actions):
        raise RuleViolationError(
            "convention",
            "last-year-reported",
            f"the activity report of the last year ({last_year}) is not submitted yet",
        )


def reached_if_reported(activity_report: ReportStatus | None, reached: Reached) -> Reached | None:
    """The beneficiaries an activity report counts count once it is submitted (None until then)."""
    return reached if activity_report in REPORTED else None
