"""Citizen funds (fonds de participation des habitants, budget citoyen, projets d'initiative citoyenne, as
the contract mobilises them: 002_…txt l. 1751): an envelope, applications, the fund committee's decision
with recusal, the payment, the final report.

A committee member who declared a conflict of interest on an application does not vote on it. Amounts
are integer cents: a grant never exceeds what was asked, the grants never exceed the envelope, a
payment never exceeds the grant and the money spent is reported against what was paid.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kit.money import euros
from services.participation.bodies.domain import Body, BodyKind
from services.participation.errors import RuleViolationError, raise_broken
from services.participation.meetings.domain import Tally


class FundApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    GRANTED = "granted"
    REFUSED = "refused"
    PAID = "paid"
    REPORTED = "reported"


@dataclass(frozen=True, slots=True)
class Fund:
    fund_id: uuid.UUID
    contract_code: str
    committee_body_id: uuid.UUID
    name: str
    year: int
    envelope_cents: int


@dataclass(frozen=True, slots=True)
class FundApplication:
    """A residents' project asking the fund: its decision, payment and final report as they come."""

    application_id: uuid.UUID
    fund_id: uuid.UUID
    title: str
    group_name: str
    description: str
    qpv_codes: tuple[str, ...]
    requested_cents: int
    status: FundApplicationStatus = FundApplicationStatus.SUBMITTED
    granted_cents: int | None = None
    decided_on: date | None = None
    votes: Mapping[str, int] | None = None
    paid_cents: int | None = None
    paid_on: date | None = None
    spent_cents: int | None = None
    participants: int | None = None
    reported_on: date | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class FundTotals:
    granted_cents: int
    paid_cents: int
    remaining_cents: int  # the envelope minus what was granted


def fund_totals(fund: Fund, applications: Sequence[FundApplication]) -> FundTotals:
    granted = sum(item.granted_cents or 0 for item in applications)
    return FundTotals(granted, sum(item.paid_cents or 0 for item in applications), fund.envelope_cents - granted)


def check_committee(committee: Body | None) -> Body:
    """A fund is decided by a fund committee of the caller's contracts."""
    if committee is None:
        raise RuleViolationError("committee_body_id", "body-of-contract", "no such body in your contracts")
    if committee.kind is not BodyKind.COMITE_FONDS_PARTICIPATION:
        raise RuleViolationError(
            "committee_body_id", "fund-committee", "a fund is run by a body of kind comite_fonds_participation"
        )
    return committee


def check_status(application: FundApplication, wanted: FundApplicationStatus, field: str) -> None:
    """Each step follows the one before: decided when submitted, paid when granted, reported when paid."""
    if application.status is not wanted:
        raise RuleViolationError(field, f"{wanted.value}-first", f"the application is {application.status.value}")


def check_payment(application: FundApplication, paid_on: date, amount_cents: int) -> None:
    broken = []
    if not 0 < amount_cents <= (application.granted_cents or 0):
        broken.append(RuleViolationError("amount", "paid-within-granted", "a payment is at most the amount granted"))
    if application.decided_on is not None and paid_on < application.decided_on:
        broken.append(RuleViolationError("paid_on", "after-decision", "a payment follows the decision"))
    raise_broken(broken)


def check_report(application: FundApplication, spent_cents: int) -> None:
    if spent_cents > (application.paid_cents or 0):
        raise RuleViolationError("spent", "spent-within-paid", "more spent than paid: say where the rest came from")


def check_conflict_declarant(person_id: uuid.UUID, members: Collection[uuid.UUID]) -> None:
    if person_id not in members:
        raise RuleViolationError("person_id", "member-has-mandate", "conflicts are declared by committee members")


def check_request(requested: int, envelope: int) -> None:
    if requested <= 0:
        raise RuleViolationError("amount_requested", "positive-amount", "an application asks for a positive amount")
    if requested > envelope:
        raise RuleViolationError(
            "amount_requested", "within-envelope", f"{euros(requested)} asked of an envelope of {euros(envelope)}"
        )


def check_decision(
    *,
    granted: int,
    requested: int,
    envelope: int,
    already_granted: int,
    tally: Tally,
    voters: Collection[uuid.UUID],
    members: Collection[uuid.UUID],
    conflicted: Collection[uuid.UUID],
) -> FundApplicationStatus:
    """The decision's outcome, if the committee could take it: members only, the conflicted recused (every
    voter's rule and the count of votes named at once; the amount is checked once the vote holds)."""
    broken = []
    seen: set[uuid.UUID] = set()
    for position, voter in enumerate(voters):
        if voter in seen:  # one member, one vote: named five times, one member granted 900 € alone
            broken.append(RuleViolationError(f"voter_ids/{position}", "one-vote-per-voter", "a voter is named once"))
            continue
        seen.add(voter)
        if voter not in members:
            broken.append(
                RuleViolationError(
                    f"voter_ids/{position}", "member-has-mandate", "a voter holds a mandate in the fund committee"
                )
            )
        elif voter in conflicted:
            broken.append(
                RuleViolationError(
                    f"voter_ids/{position}", "recusal", "a member with a declared conflict of interest does not vote"
                )
            )
    if tally.votes_for + tally.votes_against + tally.abstentions > len(seen):
        broken.append(RuleViolationError("votes_for", "votes-within-voters", "more votes than voters"))
    raise_broken(broken)
    if not tally.adopted:
        if granted:
            raise RuleViolationError("amount_granted", "refused-is-zero", "a refused application is granted nothing")
        return FundApplicationStatus.REFUSED
    if granted <= 0 or granted > requested:
        raise RuleViolationError(
            "amount_granted", "granted-within-requested", f"between 0.01 and the {euros(requested)} asked"
        )
    if already_granted + granted > envelope:
        raise RuleViolationError(
            "amount_granted",
            "within-envelope",
            f"{euros(already_granted)} already granted of {euros(envelope)}: {euros(granted)} more would exceed it",
        )
    return FundApplicationStatus.GRANTED
