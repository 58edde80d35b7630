"""Meetings: convened by the body's facilitators or the contract's pilots, attendance, decisions, minutes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body
from services.participation.bodies.use_cases import body_managed_by, body_seen_by
from services.participation.errors import NotFoundError
from services.participation.meetings.domain import (
    Attendee,
    Decision,
    Meeting,
    Minutes,
    Tally,
    check_adoption,
    check_attendance,
    check_convocation,
    check_decision,
    check_people_of_contract,
    next_minutes_version,
    notice_warnings,
    quorum_needed,
    voters,
)
from services.participation.meetings.models import DecisionRow, MeetingRow, MinutesRow
from services.participation.meetings.repository import MeetingRepository, meeting_from_row
from services.participation.members.domain import CompositionWarning
from services.participation.members.repository import MemberRepository
from services.participation.members.use_cases.rules import rules_in_force
from services.participation.persistence import columns_of, ledger


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    meeting: Meeting
    attendance: list[Attendee]
    decisions: list[Decision]
    minutes: list[Minutes]
    warnings: list[CompositionWarning]


async def _meeting_run_by(
    uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, *, lock: bool = False
) -> tuple[MeetingRow, Body]:
    meeting = await MeetingRepository(uow.session).find(meeting_id, lock=lock)
    if meeting is None or not actor.works_on(meeting.contract_code):
        raise NotFoundError("meeting", str(meeting_id))
    return meeting, await body_managed_by(uow, actor, meeting.body_id)


async def find_meeting(uow: UnitOfWork, meeting_id: uuid.UUID) -> Meeting | None:
    """A meeting whoever asks, inside an open unit of work (to check what refers to it)."""
    row = await MeetingRepository(uow.session).find(meeting_id)
    return None if row is None else meeting_from_row(row)


async def convene(uow: UnitOfWork, actor: Principal, meeting: Meeting) -> MeetingRecord:
    """A meeting with its convocation and agenda; short notice against the rules comes back as a warning."""
    check_convocation(meeting.convened_on, meeting.meeting_day)
    async with uow:
        body = await body_managed_by(uow, actor, meeting.body_id)
        rules = await rules_in_force(uow, meeting.body_id)
        warnings = notice_warnings(
            None if rules is None else rules.notice_days, meeting.convened_on, meeting.meeting_day
        )
        row = MeetingRow(**columns_of(meeting), contract_code=body.contract_code, created_at=uow.now())
        await MeetingRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="meeting.convened",
            entity_type="meeting",
            entity_id=str(meeting.meeting_id),
            after={"body": str(meeting.body_id), "day": meeting.meeting_day.isoformat(), "title": meeting.title},
        )
        await uow.commit()
    return MeetingRecord(meeting, [], [], [], warnings)


async def list_meetings(
    uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, year: int | None, page: PageRequest
) -> tuple[str, int]:
    """A page of the body's meetings (the JSON array of its items, as PostgreSQL writes it) and the total."""
    async with uow.reading():
        items, total = await MeetingRepository(uow.session).of_body_json(body_id, actor.contract_scope, year, page)
        if total == 0:  # only an empty list needs to tell a body without meetings from no body at all
            await body_seen_by(uow, actor, body_id)
        return items, total


def meeting_etag(meeting: Meeting | MeetingRow) -> str:
    return etag_of(str(meeting.meeting_id), meeting.version)


async def _meeting_changed(
    uow: UnitOfWork,
    actor: Principal,
    meeting: MeetingRow,
    action: str,
    *,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
) -> None:
    """What changes a meeting (attendance, decisions, minutes) moves its version, and is audited on it."""
    meeting.version += 1
    entity = {"entity_type": "meeting", "entity_id": str(meeting.meeting_id)}
    if before is None:
        await ledger.created(uow.session, actor, action=action, after=after, **entity)
    else:
        await ledger.changed(uow.session, actor, action=action, before=before, after=after, **entity)


def _attendance_audit(attendees: list[Attendee]) -> list[dict[str, str | None]]:
    """The attendance list by pseudonymous ids: who, in which capacity, present or not, proxy to whom."""
    return [
        {
            "person": str(item.person_id),
            "capacity": item.capacity.value,
            "presence": item.presence.value,
            "institution": item.institution,
            "proxyTo": str(item.proxy_to) if item.proxy_to else None,
        }
        for item in attendees
    ]


async def meeting_json(uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID) -> tuple[str, str]:
    """The meeting with its attendance, decisions and minutes as the JSON PostgreSQL writes of it
    (MeetingRead), and its ETag; another contract's meeting answers like a missing one."""
    async with uow.reading():
        found = await MeetingRepository(uow.session).record_json(meeting_id)
    if found is None or not actor.works_on(found[1]):
        raise NotFoundError("meeting", str(meeting_id))
    return found[0], etag_of(str(meeting_id), found[2])


async def record_attendance(
    uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, attendees: list[Attendee]
) -> list[Attendee]:
    """The whole attendance list, replaced at once: every line checked before anything is written."""
    async with uow:
        meeting, body = await _meeting_run_by(uow, actor, meeting_id, lock=True)
        uow.check_precondition(meeting_etag(meeting))
        members = MemberRepository(uow.session)
        check_people_of_contract(
            attendees, await members.people_of_contract(body.contract_code, [item.person_id for item in attendees])
        )
        check_attendance(attendees, await members.mandated_on(body.body_id, meeting.meeting_day))
        repository = MeetingRepository(uow.session)
        before = _attendance_audit(await repository.attendance(meeting_id))
        await repository.replace_attendance(meeting_id, attendees)
        await _meeting_changed(
            uow,
            actor,
            meeting,
            "meeting.attendance_recorded",
            before={"attendance": before},
            after={"attendance": _attendance_audit(attendees)},
        )
        await uow.commit()
    return attendees


async def record_decision(
    uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, subject: str, tally: Tally
) -> Decision:
    """A decision with its tally; refused without the quorum of the rules in force."""
    async with uow:
        meeting, body = await _meeting_run_by(uow, actor, meeting_id, lock=True)
        repository = MeetingRepository(uow.session)
        attendees = await repository.attendance(meeting_id)
        rules = await rules_in_force(uow, body.body_id)
        in_office = len(await MemberRepository(uow.session).mandated_on(body.body_id, meeting.meeting_day))
        quorum, voting = quorum_needed(None if rules is None else rules.quorum_share, in_office), voters(attendees)
        check_decision(tally, voting, quorum)
        decision = Decision(
            decision_id=uuid.uuid4(),
            subject=subject,
            votes_for=tally.votes_for,
            votes_against=tally.votes_against,
            abstentions=tally.abstentions,
            voters=voting,
            quorum=quorum,
            adopted=tally.adopted,
        )
        await repository.add(DecisionRow(meeting_id=meeting_id, **columns_of(decision), created_at=uow.now()))
        await _meeting_changed(
            uow,
            actor,
            meeting,
            "meeting.decision_recorded",
            after={
                "decision": str(decision.decision_id),
                "subject": subject,
                "for": tally.votes_for,
                "against": tally.votes_against,
                "abstentions": tally.abstentions,
                "voters": voting,
                "quorum": quorum,
                "adopted": decision.adopted,
            },
        )
        await uow.commit()
    return decision


async def write_minutes(uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, text: str) -> Minutes:
    """A new version of the minutes, until a version is adopted."""
    async with uow:
        meeting, _ = await _meeting_run_by(uow, actor, meeting_id, lock=True)
        uow.check_precondition(meeting_etag(meeting))
        repository = MeetingRepository(uow.session)
        versions = await repository.minutes(meeting_id)
        written = Minutes(next_minutes_version(versions), text)
        row = MinutesRow(meeting_id=meeting_id, **columns_of(written), written_by=actor.subject, created_at=uow.now())
        await repository.add(row)
        await _meeting_changed(
            uow,
            actor,
            meeting,
            "meeting.minutes_written",
            before={"minutesVersion": versions[-1].version if versions else None},
            after={"minutesVersion": written.version},
        )
        await uow.commit()
    return written


async def adopt_minutes(
    uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, version: int, adopted_on: date
) -> Minutes:
    """The latest version is adopted, on or after the meeting's day."""
    async with uow:
        meeting, _ = await _meeting_run_by(uow, actor, meeting_id, lock=True)
        repository = MeetingRepository(uow.session)
        versions = await repository.minutes(meeting_id)
        check_adoption(versions, version, adopted_on, meeting.meeting_day)
        await repository.adopt_minutes(meeting_id, version, adopted_on)
        await _meeting_changed(
            uow,
            actor,
            meeting,
            "meeting.minutes_adopted",
            before={"minutesVersion": version, "adoptedOn": None},
            after={"minutesVersion": version, "adoptedOn": adopted_on.isoformat()},
        )
        await uow.commit()
    return Minutes(version, versions[-1].text, adopted_on)
