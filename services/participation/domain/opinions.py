"""Referrals, opinions and their follow-up: the loop "opinion → governance response → commitments".

A referral from a governance body to a citizen body has a deadline; for the annual report it is at
least one month (loi 2014-173, art. 1, and décret 2014-1750) and a body that has not answered by then is
deemed to have given a favourable opinion. An answer that does not accept an opinion gives its reason;
commitments follow an opinion that was accepted, fully or in part.
"""

from __future__ import annotations

import calendar
from datetime import date
from enum import StrEnum

from services.participation.errors import RuleViolationError


class ReferralKind(StrEnum):
    ANNUAL_REPORT = "annual_report"
    PROJECT = "project"
    QUESTION = "question"


class OpinionKind(StrEnum):
    OPINION = "opinion"
    PROPOSAL = "proposal"
    ALERT = "alert"
    PREFECT_REFERRAL = "prefect_referral"  # loi 2017-86: residents' difficulties brought to the préfet


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"
    NOTED = "noted"
    REDIRECTED = "redirected"


class CommitmentStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"


class ReferralStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    DEEMED_FAVOURABLE = "deemed_favourable"


REASONED = frozenset({Outcome.PARTIALLY_ACCEPTED, Outcome.REJECTED, Outcome.REDIRECTED})
TAKEN_UP = frozenset({Outcome.ACCEPTED, Outcome.PARTIALLY_ACCEPTED})


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_referral(kind: ReferralKind, asked_on: date, due_on: date) -> None:
    if due_on < asked_on:
        raise RuleViolationError("due_on", "due-after-asked", "a referral is due after it is made")
    if kind is ReferralKind.ANNUAL_REPORT and due_on < add_months(asked_on, 1):
        raise RuleViolationError(
            "due_on",
            "annual-report-one-month",
            "a body has at least one month to give its opinion on the annual report",
        )


def referral_status(due_on: date, answered_on: date | None, today: date) -> ReferralStatus:
    if answered_on is not None and answered_on <= due_on:
        return ReferralStatus.ANSWERED
    if today > due_on:
        return ReferralStatus.DEEMED_FAVOURABLE
    return ReferralStatus.OPEN


def check_response(outcome: Outcome, reason: str | None, redirected_to: str | None, adopted_on: date, on: date) -> None:
    if outcome in REASONED and not (reason and reason.strip()):
        raise RuleViolationError("reason", "reason-when-not-accepted", f"a {outcome.value} answer gives its reason")
    if outcome is Outcome.REDIRECTED and not redirected_to:
        raise RuleViolationError("redirected_to", "redirected-to", "a redirected opinion names where it goes")
    if on < adopted_on:
        raise RuleViolationError("responded_on", "after-opinion", "an answer comes after the opinion")


def check_commitment_allowed(outcome: Outcome | None) -> None:
    if outcome not in TAKEN_UP:
        raise RuleViolationError(
            "opinion_id", "commitment-follows-acceptance", "commitments follow an opinion accepted in full or in part"
        )
