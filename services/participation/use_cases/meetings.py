"""Meetings: convened by the body's facilitators or the contract's pilots, attendance, decisions, minutes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from kit.auth.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body
from services.participation.bodies.use_cases import body_managed_by, body_seen_by
from services.participation.db.models import AttendanceRow, DecisionRow, MeetingRow, MinutesRow
from services.participation.db.repositories import MeetingRepository
from services.participation.domain.meetings import (
    Attendee,
    Capacity,
    Presence,
    Tally,
    check_attendance,
    check_convocation,
    check_decision,
    notice_given,
    quorum_needed,
    voters,
)
from services.participation.errors import NotFoundError, RuleViolationError
from services.participation.members.domain import CompositionWarning
from services.participation.members.repository import MemberRepository
from services.participation.members.use_cases.rules import rules_in_force
from services.participation.persistence import ledger


@dataclass(frozen=True, slots=True)
class NewMeeting:
    title: str
    meeting_day: date
    place: str | None
    convened_on: date
    agenda: list[str]


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    meeting: MeetingRow
    attendance: list[AttendanceRow]
    decisions: list[DecisionRow]
    minutes: list[MinutesRow]
    warnings: list[CompositionWarning]


async def _meeting_run_by(
    uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, *, lock: bool = False
) -> tuple[MeetingRow, Body]:
    meeting = await MeetingRepository(uow.session).find(meeting_id, lock=lock)
    if meeting is None or not actor.works_on(meeting.contract_code):
        raise NotFoundError("meeting", str(meeting_id))
    return meeting, await body_managed_by(uow, actor, meeting.body_id)


async def convene(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, new: NewMeeting) -> MeetingRecord:
    """A meeting with its convocation and agenda; short notice against the rules comes back as a warning."""
    check_convocation(new.convened_on, new.meeting_day)
    async with uow:
        body = await body_managed_by(uow, actor, body_id)
        rules = await rules_in_force(uow, body_id)
        warnings = []
        notice_days = None if rules is None else rules.notice_days
        given = notice_given(new.convened_on, new.meeting_day)
        if notice_days is not None and given < notice_days:
            warnings.append(CompositionWarning("notice", f"convened {given} days ahead, the rules ask {notice_days}"))
        meeting = MeetingRow(
            meeting_id=uuid.uuid4(),
            body_id=body_id,
            contract_code=body.contract_code,
            title=new.title,
            meeting_day=new.meeting_day,
            place=new.place,
            convened_on=new.convened_on,
            agenda=new.agenda,
            created_at=datetime.now(UTC),
            version=1,
        )
        await MeetingRepository(uow.session).add(meeting)
        await ledger.created(
            uow.session,
            actor,
            action="meeting.convened",
            entity_type="meeting",
            entity_id=str(meeting.meeting_id),
            after={"body": str(body_id), "day": new.meeting_day.isoformat(), "title": new.title},
        )
        await uow.commit()
    return MeetingRecord(meeting, [], [], [], warnings)


async def list_meetings(
    uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, year: int | None, page: PageRequest
) -> tuple[list[MeetingRow], int]:
    async with uow.reading():
        rows, total = await MeetingRepository(uow.session).of_body(body_id, actor.contract_scope, year, page)
        if not rows:  # only an empty page needs to tell a body without meetings from no body at all
            await body_seen_by(uow, actor, body_id)
        return rows, total


def meeting_etag(meeting: MeetingRow) -> str:
    return etag_of(str(meeting.meeting_id), meeting.version)


def _attendance_audit(rows: list[AttendanceRow]) -> list[dict[str, str | None]]:
    """The attendance list by pseudonymous ids: who, in which capacity, present or not, proxy to whom."""
    return [
        {
            "person": str(row.person_id),
            "capacity": row.capacity,
            "presence": row.presence,
            "institution": row.institution,
            "proxyTo": str(row.proxy_to) if row.proxy_to else None,
        }
        for row in rows
    ]


async def meeting_record(uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID) -> MeetingRecord:
    async with uow.reading():
        repository = MeetingRepository(uow.session)
        meeting = await repository.find(meeting_id)
        if meeting is None or not actor.works_on(meeting.contract_code):
            raise NotFoundError("meeting", str(meeting_id))
        return MeetingRecord(
            meeting,
            await repository.attendance(meeting_id),
            await repository.decisions(meeting_id),
            await repository.minutes(meeting_id),
            [],
        )


async def record_attendance(
    uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, attendees: list[Attendee]
) -> list[AttendanceRow]:
    """The whole attendance list, replaced at once: every line checked before anything is written."""
    async with uow:
        meeting, body = await _meeting_run_by(uow, actor, meeting_id, lock=True)
        uow.check_precondition(meeting_etag(meeting))
        repository = MeetingRepository(uow.session)
        known = await MemberRepository(uow.session).people_of_contract(
            body.contract_code, [item.person_id for item in attendees]
        )
        for position, item in enumerate(attendees):
            if item.person_id not in known:
                raise RuleViolationError(
                    f"attendance/{position}/person_id", "person-of-contract", "no such person in this contract"
                )
        check_attendance(attendees, await MemberRepository(uow.session).mandated_on(body.body_id, meeting.meeting_day))
        rows = [
            AttendanceRow(
                meeting_id=meeting_id,
                person_id=item.person_id,
                capacity=item.capacity.value,
                presence=item.presence.value,
                institution=item.institution,
                proxy_to=item.proxy_to,
            )
            for item in attendees
        ]
        before = _attendance_audit(await repository.attendance(meeting_id))
        await repository.replace_attendance(meeting_id, rows)
        meeting.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="meeting.attendance_recorded",
            entity_type="meeting",
            entity_id=str(meeting_id),
            before={"attendance": before},
            after={"attendance": _attendance_audit(rows)},
        )
        await uow.commit()
    return rows


def attendee_of(row: AttendanceRow) -> Attendee:
    return Attendee(row.person_id, Capacity(row.capacity), Presence(row.presence), row.institution, row.proxy_to)


async def record_decision(
    uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, subject: str, tally: Tally
) -> DecisionRow:
    """A decision with its tally; refused without the quorum of the rules in force."""
    async with uow:
        meeting, body = await _meeting_run_by(uow, actor, meeting_id, lock=True)
        repository = MeetingRepository(uow.session)
        attendees = [attendee_of(row) for row in await repository.attendance(meeting_id)]
        rules = await rules_in_force(uow, body.body_id)
        share = None if rules is None else rules.quorum_share
        in_office = len(await MemberRepository(uow.session).mandated_on(body.body_id, meeting.meeting_day))
        quorum, voting = quorum_needed(share, in_office), voters(attendees)
        check_decision(tally, voting, quorum)
        row = DecisionRow(
            decision_id=uuid.uuid4(),
            meeting_id=meeting_id,
            subject=subject,
            votes_for=tally.votes_for,
            votes_against=tally.votes_against,
            abstentions=tally.abstentions,
            voters=voting,
            quorum=quorum,
            adopted=tally.adopted,
            created_at=datetime.now(UTC),
        )
        await repository.add(row)
        meeting.version += 1
        await ledger.created(
            uow.session,
            actor,
            action="meeting.decision_recorded",
            entity_type="meeting",
            entity_id=str(meeting_id),
            after={
                "decision": str(row.decision_id),
                "subject": subject,
                "for": tally.votes_for,
                "against": tally.votes_against,
                "abstentions": tally.abstentions,
                "voters": voting,
                "quorum": quorum,
                "adopted": row.adopted,
            },
        )
        await uow.commit()
    return row


async def write_minutes(uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, text: str) -> MinutesRow:
    """A new version of the minutes, until a version is adopted."""
    async with uow:
        meeting, _ = await _meeting_run_by(uow, actor, meeting_id, lock=True)
        uow.check_precondition(meeting_etag(meeting))
        repository = MeetingRepository(uow.session)
        versions = await repository.minutes(meeting_id)
        if any(item.adopted_on is not None for item in versions):
            raise RuleViolationError("text", "minutes-open", "the minutes were adopted: no new version")
        row = MinutesRow(
            meeting_id=meeting_id,
            version=(versions[-1].version + 1) if versions else 1,
            text=text,
            written_by=actor.subject,
            adopted_on=None,
            created_at=datetime.now(UTC),
        )
        await repository.add(row)
        meeting.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="meeting.minutes_written",
            entity_type="meeting",
            entity_id=str(meeting_id),
            before={"minutesVersion": versions[-1].version if versions else None},
            after={"minutesVersion": row.version},
        )
        await uow.commit()
    return row


async def adopt_minutes(
    uow: UnitOfWork, actor: Principal, meeting_id: uuid.UUID, version: int, adopted_on: date
) -> MinutesRow:
    """The latest version is adopted, on or after the meeting's day."""
    async with uow:
        meeting, _ = await _meeting_run_by(uow, actor, meeting_id, lock=True)
        versions = await MeetingRepository(uow.session).minutes(meeting_id)
        if not versions or versions[-1].version != version:
            raise RuleViolationError("version", "latest-version", "only the latest version of the minutes is adopted")
        latest = versions[-1]
        if latest.adopted_on is not None:
            raise RuleViolationError("version", "minutes-open", "these minutes were adopted already")
        if adopted_on < meeting.meeting_day:
            raise RuleViolationError("adopted_on", "after-meeting", "minutes are adopted after the meeting")
        latest.adopted_on = adopted_on
        meeting.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="meeting.minutes_adopted",
            entity_type="meeting",
            entity_id=str(meeting_id),
            before={"minutesVersion": version, "adoptedOn": None},
            after={"minutesVersion": version, "adoptedOn": adopted_on.isoformat()},
        )
        await uow.commit()
    return latest
