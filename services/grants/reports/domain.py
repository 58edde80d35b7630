"""The reports of a notified year: the financial report (CERFA 15059), the actual budget by the accounts of
the CERFA 12156 budget, each significant gap explained; and the activity report, what was done and who
was reached (the same breakdown as the expected beneficiaries), optionally from an uploaded list of
beneficiaries' coordinates of which only counts are kept. The operator writes them, the instructors
review them; they are due six months after the end of the year."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from identity.principal import Principal
from services.grants.applications.domain.application import Beneficiaries
from services.grants.applications.domain.budget import ACCOUNTS, BudgetLine, financer_broken
from services.grants.errors import (
    ForbiddenMoveError,
    NotEditableError,
    RulesBrokenError,
    RuleViolationError,
    raise_broken,
    spaced,
)
from services.grants.operators.domain import own_organisations
from services.grants.roles import INSTRUCTORS

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


class ReportKind(StrEnum):
    FINANCIAL = "financial_report"
    ACTIVITY = "activity_report"


def due_on(year: int) -> date:
    """CERFA 15059: within six months after the end of the year the grant funded."""
    return date(year + 1, 6, 30)


def check_writer(actor: Principal, kind: ReportKind) -> None:
    """The operator writes its reports (or a platform administrator)."""
    if own_organisations(actor) is None and not actor.is_platform_admin:
        raise ForbiddenMoveError(f"the operator writes its {kind.value.replace('_', ' ')}")


def check_reviewer(actor: Principal, kind: ReportKind) -> None:
    if not actor.roles & INSTRUCTORS:
        raise ForbiddenMoveError(f"the instructors review {kind.value.replace('_', ' ')}s")


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
    institution_id: uuid.UUID | None = None  # a 74 line's financer: CERFA 15059 gives the grants by financer


# An account's gap, the 74 lines' per financer: (account, financer or None).
GapKey = tuple[str, uuid.UUID | None]


def gaps(planned: Sequence[BudgetLine], actual: Sequence[ActualLine]) -> dict[GapKey, tuple[int, int]]:
    """Per account, the grants (74) per financer as CERFA 15059 splits them: (planned, actual) in cents."""
    totals: dict[GapKey, list[int]] = defaultdict(lambda: [0, 0])
    for line in planned:
        totals[line.account, line.institution_id][0] += line.amount_cents
    for item in actual:
        totals[item.account, item.institution_id][1] += item.amount_cents
    ordered = sorted(totals.items(), key=lambda entry: (entry[0][0], str(entry[0][1] or "")))
    return {key: (values[0], values[1]) for key, values in ordered}


def check_report(
    planned: Sequence[BudgetLine], actual: Sequence[ActualLine], institutions: Mapping[uuid.UUID, str]
) -> None:
    """Every line's account, whole euros and financer (a 74 line's, one of the contract's), and every
    significant gap explained (the grants' per financer): all broken rules at once."""
    broken = []
    for index, line in enumerate(actual):
        if line.account not in ACCOUNTS:
            message = f"{line.account} is not a CERFA account"
            broken.append(RuleViolationError(f"lines/{index}/account", "cerfa-account", message))
        if line.amount_cents < 0 or line.amount_cents % 100:
            message = "the report is in whole euros, at least 0"
            broken.append(RuleViolationError(f"lines/{index}/amount", "whole-euros", message))
        broken += financer_broken(f"lines/{index}", line.account, line.institution_id, institutions)
    explained = {(line.account, line.institution_id) for line in actual if line.explanation}
    for (account, financer), (was_planned, was_spent) in gaps(planned, actual).items():
        gap = abs(was_spent - was_planned)
        significant = gap > EXPLAINED_GAP * was_planned if was_planned else was_spent > 0
        if significant and (account, financer) not in explained:
            which = f"account {account}" + (f" of {institutions.get(financer, financer)}" if financer else "")
            message = f"{which}: planned {spaced(was_planned)}, actual {spaced(was_spent)}; explain the gap"
            broken.append(RuleViolationError("lines", "gap-explained", message))
    raise_broken(broken)


@dataclass(frozen=True, slots=True)
class FinancialReport:
    """An application's financial report as it stands: `status` None while it is missing."""

    application_id: uuid.UUID
    year: int
    status: ReportStatus | None
    lines: list[ActualLine]
    gaps: dict[GapKey, tuple[int, int]]
    review_comment: str | None
    version: int  # 0 while missing

    @property
    def due_on(self) -> date:
        return due_on(self.year)


@dataclass(frozen=True, slots=True)
class OverdueReport:
    """A financial report past its due date, missing or returned."""

    application_id: uuid.UUID
    operator_id: uuid.UUID
    title: str
    year: int
    status: str  # missing, returned

    @property
    def due_on(self) -> date:
        return due_on(self.year)


def last_year_due_before(day: date) -> int:
    """The last year whose reports are due before `day`."""
    return day.year - 1 if due_on(day.year - 1) < day else day.year - 2


def last_ended_year(today: date) -> int:
    """The last year already ended: its report comes before any new request, even before it is due."""
    return today.year - 1


def check_reports_delivered(pending: Sequence[OverdueReport]) -> None:
    """The financial reports of the operator's years already ended come before any new request (CERFA 15059:
    within six months of the year's end "and before any new request")."""
    if pending:
        raise RulesBrokenError(
            [
                RuleViolationError(
                    "financial_report",
                    "report-before-new-request",
                    f"the financial report of {report.title} ({report.year}) is {report.status}:"
                    " send it before a new request",
                )
                for report in pending
            ]
        )


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


def count_located(classified: Iterable[tuple[str, Sequence[str]]]) -> LocatedBeneficiaries:
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
        raise RuleViolationError("beneficiaries/age_bands", "parts-within-total", "the age bands exceed the total")


@dataclass(frozen=True, slots=True)
class ActivityReportView:
    """An application's activity report as it stands: `status` None (and no content) while it is missing."""

    application_id: uuid.UUID
    year: int
    status: ReportStatus | None
    content: ActivityReport | None
    located: LocatedBeneficiaries | None
    review_comment: str | None
    version: int  # 0 while missing

    @property
    def due_on(self) -> date:
        return due_on(self.year)
