"""Referrals, opinions and their follow-up: the loop "opinion → governance response → commitments".

A referral from a governance body to a citizen body has a deadline; for the annual report it is at
least one month (loi 2014-173, art. 1, and décret 2014-1750) and a body that has not answered by then is
deemed to have given a favourable opinion. An answer that does not accept an opinion gives its reason;
commitments follow an opinion that was accepted, fully or in part. How far opinions are taken into
account is what the contract's evaluation asks of participation (002_…txt l. 2245).
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from identity.principal import Principal
from services.participation.bodies.domain import GOVERNANCE_KINDS, Body, pilots_contract
from services.participation.errors import RuleViolationError, raise_broken


class ReferralKind(StrEnum):
    ANNUAL_REPORT = "annual_report"
    PROJECT = "project"
    QUESTION = "question"


class OpinionKind(StrEnum):
    OPINION = "opinion"
    PROPOSAL = "proposal"
    ALERT = "alert"
    PREFECT_REFERRAL = "prefect_referral"  # loi 2017-86: residents' difficulties brought to the préfet (l. 1433)


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
    broken = []
    if outcome in REASONED and not (reason and reason.strip()):
        broken.append(
            RuleViolationError("reason", "reason-when-not-accepted", f"a {outcome.value} answer gives its reason")
        )
    if outcome is Outcome.REDIRECTED and not redirected_to:
        broken.append(RuleViolationError("redirected_to", "redirected-to", "a redirected opinion names where it goes"))
    if on < adopted_on:
        broken.append(RuleViolationError("responded_on", "after-opinion", "an answer comes after the opinion"))
    raise_broken(broken)


def check_commitment_allowed(outcome: Outcome | None) -> None:
    if outcome not in TAKEN_UP:
        raise RuleViolationError(
            "opinion_id", "commitment-follows-acceptance", "commitments follow an opinion accepted in full or in part"
        )


@dataclass(frozen=True, slots=True)
class Referral:
    referral_id: uuid.UUID
    from_body_id: uuid.UUID
    to_body_id: uuid.UUID
    kind: ReferralKind
    subject: str
    asked_on: date
    due_on: date


@dataclass(frozen=True, slots=True)
class Opinion:
    opinion_id: uuid.UUID
    body_id: uuid.UUID
    kind: OpinionKind
    title: str
    text: str
    adopted_on: date
    meeting_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    addressed_to_body_id: uuid.UUID | None = None
    outcome: Outcome | None = None
    reason: str | None = None
    redirected_to: str | None = None
    responded_on: date | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Commitment:
    commitment_id: uuid.UUID
    opinion_id: uuid.UUID
    description: str
    owner: str
    due_on: date | None
    status_on: date
    status: CommitmentStatus = CommitmentStatus.PLANNED  # commitments start planned


def answers_for_governance(caller: Principal, contract_code: str) -> bool:
    """The governance's side of the loop (referring, answering, committing) is the contract's pilots'."""
    return pilots_contract(caller, contract_code)


def check_governance_body(body: Body | None, contract_code: str, field: str) -> None:
    """Referrals come from, and opinions go to, a governance committee of the same contract."""
    if body is None or body.contract_code != contract_code or body.kind not in GOVERNANCE_KINDS:
        raise RuleViolationError(field, "governance-body", "a governance committee of the same contract")


def check_addressee(kind: OpinionKind, addressed_to_body_id: uuid.UUID | None) -> bool:
    """Whether the opinion goes to a governance body (to check): a referral to the préfet goes to the préfet
    (loi 2017-86), any other opinion to a governance committee."""
    if kind is OpinionKind.PREFECT_REFERRAL:
        if addressed_to_body_id is not None:
            raise RuleViolationError(
                "addressed_to_body_id", "prefect-referral", "a referral to the préfet goes to the préfet"
            )
        return False
    if addressed_to_body_id is None:
        raise RuleViolationError("addressed_to_body_id", "governance-body", "an opinion goes to a governance body")
    return True


def check_meeting_of_body(found: tuple[uuid.UUID, date] | None, body_id: uuid.UUID, adopted_on: date) -> None:
    """An opinion names a meeting (its body, its day) of its own body, held by the day it was adopted."""
    if found is None or found[0] != body_id or found[1] > adopted_on:
        raise RuleViolationError("meeting_id", "meeting-of-body", "a meeting of this body, held by adoption")


def check_referral_to_body(referral: Referral | None, body_id: uuid.UUID, adopted_on: date) -> None:
    """An opinion answers a referral made to its own body before it was adopted."""
    if referral is None or referral.to_body_id != body_id or referral.asked_on > adopted_on:
        raise RuleViolationError("referral_id", "referral-to-body", "a referral made to this body before")


def check_unanswered(opinion: Opinion) -> None:
    if opinion.outcome is not None:
        raise RuleViolationError("outcome", "answered-once", "this opinion has its answer already")


def check_follow_up(commitment: Commitment, on: date) -> None:
    if on < commitment.status_on:
        raise RuleViolationError("on", "status-in-order", "a status change is dated after the previous one")
