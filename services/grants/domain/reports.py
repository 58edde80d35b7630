"""The financial report (CERFA 15059): the actual budget by the accounts of the CERFA 12156 budget, each
significant gap explained; due six months after the end of the year, reviewed by the instructors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from services.grants.applications.domain.budget import ACCOUNTS, BudgetLine
from services.grants.errors import NotEditableError, RuleViolationError
from services.grants.money import spaced

# A gap of more than this share of the planned amount of an account is explained (CERFA 15059 asks for the
# "écarts significatifs"; the share is the one DDETS instructors commonly use).
EXPLAINED_GAP = Decimal("0.15")


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class ReportReview(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"


def reviewed(status: ReportStatus, review: ReportReview, comment: str | None) -> ReportStatus:
    """A submitted report (financial or activity) is accepted, or returned saying what to correct."""
    if review is ReportReview.RETURN and not (comment and comment.strip()):
        raise RuleViolationError("comment", "reason-required", "a returned report says what to correct")
    if status is not ReportStatus.SUBMITTED:
        raise NotEditableError(f"the report is {status.value}, not submitted")
    return ReportStatus.ACCEPTED if review is ReportReview.ACCEPT else ReportStatus.RETURNED


def resubmitted(status: ReportStatus | None) -> None:
    """A report is written again until it is accepted."""
    if status is ReportStatus.ACCEPTED:
        raise NotEditableError("the report is accepted")


@dataclass(frozen=True, slots=True)
class ActualLine:
    account: str
    label: str
    amount_cents: int
    explanation: str | None


def due_on(year: int) -> date:
    """Six months after the end of the year the grant funded."""
    return date(year + 1, 6, 30)


def gaps(planned: Sequence[BudgetLine], actual: Sequence[ActualLine]) -> dict[str, tuple[int, int]]:
    """Per account: (planned, actual) in cents."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in planned:
        totals[line.account][0] += line.amount_cents
    for item in actual:
        totals[item.account][1] += item.amount_cents
    return {account: (values[0], values[1]) for account, values in sorted(totals.items())}


def check_report(planned: Sequence[BudgetLine], actual: Sequence[ActualLine]) -> None:
    for index, line in enumerate(actual):
        if line.account not in ACCOUNTS:
            raise RuleViolationError(
                f"lines/{index}/account", "cerfa-account", f"{line.account} is not a CERFA account"
            )
        if line.amount_cents < 0 or line.amount_cents % 100:
            raise RuleViolationError(f"lines/{index}/amount", "whole-euros", "the report is in whole euros, at least 0")
    explained = {line.account for line in actual if line.explanation}
    for account, (was_planned, was_spent) in gaps(planned, actual).items():
        gap = abs(was_spent - was_planned)
        significant = gap > EXPLAINED_GAP * was_planned if was_planned else was_spent > 0
        if significant and account not in explained:
            raise RuleViolationError(
                "lines",
                "gap-explained",
                f"account {account}: planned {spaced(was_planned)}, actual {spaced(was_spent)}; explain the gap",
            )
