"""Meetings of a body: who attended in which capacity, proxies, and decisions taken with a quorum.

A "member" or "substitute" line needs a mandate in the body on the meeting's day; a proxy goes from
an excused or absent member to a member who is present, one proxy per holder. The quorum is a share
of the members in office, set by the body's rules; votes cannot outnumber the voters (members present
plus the proxies they hold). The quorum, the notice and the college seats are the body's own rules (its
règlement intérieur, as `members.domain.BodyRules` versions them); minutes are written in versions and
adopted once (the guide's "comment rédiger un compte-rendu": 001_…txt l. 125).
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from services.participation.errors import RuleViolationError, raise_broken
from services.participation.members.domain import CompositionWarning


class Capacity(StrEnum):
    MEMBER = "member"
    SUBSTITUTE = "substitute"
    REPRESENTATIVE = "representative"
    GUEST = "guest"
    TECHNICIAN = "technician"


class Presence(StrEnum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


MANDATED = frozenset({Capacity.MEMBER, Capacity.SUBSTITUTE})


@dataclass(frozen=True, slots=True)
class Meeting:
    meeting_id: uuid.UUID
    body_id: uuid.UUID
    title: str
    meeting_day: date
    place: str | None
    convened_on: date
    agenda: tuple[str, ...]
    version: int = 1


@dataclass(frozen=True, slots=True)
class Attendee:
    person_id: uuid.UUID
    capacity: Capacity
    presence: Presence
    institution: str | None
    proxy_to: uuid.UUID | None


def check_attendance(attendees: Sequence[Attendee], mandated: Collection[uuid.UUID]) -> None:
    """Every line's rules, every broken one named at once."""
    broken: list[RuleViolationError] = []
    seen: set[uuid.UUID] = set()
    present_members = {
        item.person_id for item in attendees if item.capacity in MANDATED and item.presence is Presence.PRESENT
    }
    for position, item in enumerate(attendees):
        field = f"lines/{position}"
        if item.person_id in seen:
            broken.append(
                RuleViolationError(f"{field}/person_id", "one-line-per-person", "a person is listed once per meeting")
            )
        elif item.capacity in MANDATED and item.person_id not in mandated:
            broken.append(
                RuleViolationError(
                    f"{field}/person_id",
                    "member-has-mandate",
                    f"a {item.capacity.value} holds a mandate in the body on the meeting's day",
                )
            )
        seen.add(item.person_id)
        if item.capacity is Capacity.REPRESENTATIVE and not item.institution:
            broken.append(
                RuleViolationError(
                    f"{field}/institution", "representative-institution", "a representative names the institution"
                )
            )
        if item.proxy_to is not None:
            if item.capacity not in MANDATED or item.presence is Presence.PRESENT:
                broken.append(
                    RuleViolationError(
                        f"{field}/proxy_to", "proxy-from-missing-member", "only a member who is not there gives a proxy"
                    )
                )
            elif item.proxy_to not in present_members:
                broken.append(
                    RuleViolationError(
                        f"{field}/proxy_to", "proxy-to-present-member", "a proxy goes to a member who is present"
                    )
                )
    held = Counter(item.proxy_to for item in attendees if item.proxy_to is not None)
    broken.extend(
        RuleViolationError(f"lines/{position}/person_id", "one-proxy-per-holder", "a member holds at most one proxy")
        for position, item in enumerate(attendees)
        if held.get(item.person_id, 0) > 1
    )
    raise_broken(broken)


def voters(attendees: Sequence[Attendee]) -> int:
    """Members present plus the proxies they hold."""
    present = sum(1 for item in attendees if item.capacity in MANDATED and item.presence is Presence.PRESENT)
    return present + sum(1 for item in attendees if item.proxy_to is not None)


def quorum_needed(quorum_share: Decimal | None, members_in_office: int) -> int:
    if quorum_share is None:
        return 0
    return math.ceil(quorum_share * members_in_office)


@dataclass(frozen=True, slots=True)
class Tally:
    votes_for: int
    votes_against: int
    abstentions: int

    @property
    def adopted(self) -> bool:
        return self.votes_for > self.votes_against


def check_decision(tally: Tally, voting: int, quorum: int) -> None:
    broken = []
    if voting < quorum:
        broken.append(
            RuleViolationError("quorum", "quorum", f"{voting} voters present or represented, quorum is {quorum}")
        )
    cast = tally.votes_for + tally.votes_against + tally.abstentions
    if cast > voting:
        broken.append(RuleViolationError("votes_for", "votes-within-voters", f"{cast} votes for {voting} voters"))
    raise_broken(broken)


def notice_given(convened_on: date, meeting_day: date) -> int:
    return (meeting_day - convened_on).days


def check_convocation(convened_on: date, meeting_day: date) -> None:
    if convened_on > meeting_day:
        raise RuleViolationError("convened_on", "convened-before", "a convocation goes out before the meeting")


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision as recorded: its tally, the voters and quorum of that day, and whether it was adopted."""

    decision_id: uuid.UUID
    subject: str
    votes_for: int
    votes_against: int
    abstentions: int
    voters: int
    quorum: int
    adopted: bool


@dataclass(frozen=True, slots=True)
class Minutes:
    version: int
    text: str
    adopted_on: date | None = None


def notice_warnings(notice_days: int | None, convened_on: date, meeting_day: date) -> list[CompositionWarning]:
    """A convocation shorter than the notice the rules ask is a warning, not a refusal."""
    given = notice_given(convened_on, meeting_day)
    if notice_days is not None and given < notice_days:
        return [CompositionWarning("notice", f"convened {given} days ahead, the rules ask {notice_days}")]
    return []


def check_people_of_contract(attendees: Sequence[Attendee], known: Collection[uuid.UUID]) -> None:
    for position, item in enumerate(attendees):
        if item.person_id not in known:
            raise RuleViolationError(
                f"lines/{position}/person_id", "person-of-contract", "no such person in this contract"
            )


def next_minutes_version(versions: Sequence[Minutes]) -> int:
    """Minutes are rewritten in new versions until one is adopted."""
    if any(item.adopted_on is not None for item in versions):
        raise RuleViolationError("text", "minutes-open", "the minutes were adopted: no new version")
    return (versions[-1].version + 1) if versions else 1


def check_adoption(versions: Sequence[Minutes], version: int, adopted_on: date, meeting_day: date) -> None:
    """The latest version is adopted, once, on or after the meeting's day."""
    if not versions or versions[-1].version != version:
        raise RuleViolationError("version", "latest-version", "only the latest version of the minutes is adopted")
    if versions[-1].adopted_on is not None:
        raise RuleViolationError("version", "minutes-open", "these minutes were adopted already")
    if adopted_on < meeting_day:
        raise RuleViolationError("adopted_on", "after-meeting", "minutes are adopted after the meeting")
