"""Citizen funds (fonds de participation des habitants, budget citoyen, projets d'initiative citoyenne):
an envelope, applications, the fund committee's decision with recusal, the payment, the final report.

A committee member who declared a conflict of interest on an application does not vote on it. Amounts
are integer cents: a grant never exceeds what was asked, the grants never exceed the envelope, a
payment never exceeds the grant and the money spent is reported against what was paid.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from enum import StrEnum

from kit.money import euros
from services.participation.errors import RuleViolationError
from services.participation.meetings.domain import Tally


class FundApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    GRANTED = "granted"
    REFUSED = "refused"
    PAID = "paid"
    REPORTED = "reported"


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
    """The decision's outcome, if the committee could take it: members only, the conflicted recused."""
    for position, voter in enumerate(voters):
        if voter not in members:
            raise RuleViolationError(
                f"voter_ids/{position}", "member-has-mandate", "a voter holds a mandate in the fund committee"
            )
        if voter in conflicted:
            raise RuleViolationError(
                f"voter_ids/{position}", "recusal", "a member with a declared conflict of interest does not vote"
            )
    if tally.votes_for + tally.votes_against + tally.abstentions > len(voters):
        raise RuleViolationError("votes_for", "votes-within-voters", "more votes than voters")
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
