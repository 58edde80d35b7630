"""HTTP routes of meetings: convocation, attendance, decisions, minutes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from kit.api_models import json_response, page_json_response, read_of
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.response_cache import REMEMBERED
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from services.participation.meetings import use_cases as meetings
from services.participation.meetings.domain import Attendee, Capacity, Decision, Meeting, Minutes, Presence, Tally
from services.participation.meetings.schemas import (
    AttendanceInput,
    AttendanceRead,
    DecisionCreate,
    DecisionRead,
    MeetingCreate,
    MeetingRead,
    MeetingSummary,
    MinutesAdoption,
    MinutesInput,
    MinutesRead,
)
from services.participation.meetings.use_cases import MeetingRecord
from services.participation.policies import MeetingRunner, Reader
from services.participation.schemas import WarningRead

router = platform_router(["meetings"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _summary(meeting: Meeting) -> MeetingSummary:
    return read_of(MeetingSummary, meeting, id=meeting.meeting_id)


def _attendance(item: Attendee) -> AttendanceRead:
    return read_of(AttendanceRead, item)


def _decision(decision: Decision) -> DecisionRead:
    return read_of(DecisionRead, decision, id=decision.decision_id)


def _minutes(minutes: Minutes) -> MinutesRead:
    return read_of(MinutesRead, minutes)


def _record(record: MeetingRecord) -> MeetingRead:
    return read_of(
        MeetingRead,
        record.meeting,
        id=record.meeting.meeting_id,
        attendance=[_attendance(item) for item in record.attendance],
        decisions=[_decision(item) for item in record.decisions],
        minutes=[_minutes(item) for item in record.minutes],
        warnings=[read_of(WarningRead, item) for item in record.warnings],
    )


@router.post(
    "/bodies/{body_id}/meetings",
    operation_id="convene_meeting",
    response_model=MeetingRead,
    status_code=status.HTTP_201_CREATED,
)
async def convene_meeting(uow: Uow, body_id: uuid.UUID, body: MeetingCreate, principal: MeetingRunner) -> MeetingRead:
    """Convene a meeting with its agenda; notice shorter than the rules ask comes back as a warning."""
    new = Meeting(
        meeting_id=uuid.uuid4(),
        body_id=body_id,
        title=body.title,
        meeting_day=body.meeting_day,
        place=body.place,
        convened_on=body.convened_on,
        agenda=tuple(body.agenda),
    )
    return _record(await meetings.convene(uow, principal, new))


@router.get(
    "/bodies/{body_id}/meetings",
    operation_id="list_meetings",
    dependencies=[REMEMBERED],
    response_model=Page[MeetingSummary],
)
async def list_meetings(
    uow: Uow,
    body_id: uuid.UUID,
    principal: Reader,
    page: Annotated[PageRequest, Depends(page_request)],
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> Response:
    items, total = await meetings.list_meetings(uow, principal, body_id, year, page)
    return page_json_response(items, total, page.limit, page.offset)


@router.get("/meetings/{meeting_id}", operation_id="get_meeting", dependencies=[REMEMBERED], response_model=MeetingRead)
async def get_meeting(uow: Uow, meeting_id: uuid.UUID, principal: Reader) -> Response:
    """A meeting with its attendance (pseudonymous ids), decisions and minutes; its ETag guards them."""
    record, etag = await meetings.meeting_json(uow, principal, meeting_id)
    return json_response(record, headers={"ETag": etag})


@router.put(
    "/meetings/{meeting_id}/attendance",
    operation_id="record_attendance",
    response_model=list[AttendanceRead],
    dependencies=[conditional(read_at="/meetings/{meeting_id}")],
)
async def record_attendance(
    uow: Uow, meeting_id: uuid.UUID, body: AttendanceInput, principal: MeetingRunner
) -> list[AttendanceRead]:
    """The attendance list, replaced whole: a member or substitute needs a mandate on the day; proxies go
    from a missing member to one present, one each. Not paged: the list sent, one line per attendee."""
    attendees = [
        Attendee(
            person_id=line.person_id,
            capacity=Capacity(line.capacity),
            presence=Presence(line.presence),
            institution=line.institution,
            proxy_to=line.proxy_to,
        )
        for line in body.lines
    ]
    return [_attendance(item) for item in await meetings.record_attendance(uow, principal, meeting_id, attendees)]


@router.post(
    "/meetings/{meeting_id}/decisions",
    operation_id="record_decision",
    response_model=DecisionRead,
    status_code=status.HTTP_201_CREATED,
)
async def record_decision(
    uow: Uow, meeting_id: uuid.UUID, body: DecisionCreate, principal: MeetingRunner
) -> DecisionRead:
    """A decision and its tally, refused without the quorum the body's rules set."""
    tally = Tally(votes_for=body.votes_for, votes_against=body.votes_against, abstentions=body.abstentions)
    return _decision(await meetings.record_decision(uow, principal, meeting_id, body.subject, tally))


@router.put(
    "/meetings/{meeting_id}/minutes",
    operation_id="write_minutes",
    response_model=MinutesRead,
    dependencies=[conditional(read_at="/meetings/{meeting_id}")],
)
async def write_minutes(uow: Uow, meeting_id: uuid.UUID, body: MinutesInput, principal: MeetingRunner) -> MinutesRead:
    """A new version of the minutes (until a version is adopted)."""
    return _minutes(await meetings.write_minutes(uow, principal, meeting_id, body.text))


@router.post("/meetings/{meeting_id}/minutes/adoption", operation_id="adopt_minutes", response_model=MinutesRead)
async def adopt_minutes(
    uow: Uow, meeting_id: uuid.UUID, body: MinutesAdoption, principal: MeetingRunner
) -> MinutesRead:
    """Adopt the latest version of the minutes."""
    return _minutes(await meetings.adopt_minutes(uow, principal, meeting_id, body.version, body.adopted_on))
