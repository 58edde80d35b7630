"""HTTP routes of elections to a body: paper tallies, logged corrections, proclamation into mandates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from kit.api_models import read_of
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.elections import use_cases as elections
from services.participation.elections.schemas import (
    CorrectionRead,
    ElectionCreate,
    ElectionRead,
    Proclamation,
    TallyCorrection,
    TallyRead,
)
from services.participation.elections.use_cases import ElectionRecord
from services.participation.policies import MemberManager, Reader

router = platform_router(["elections"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _read(record: ElectionRecord) -> ElectionRead:
    return read_of(
        ElectionRead,
        record.election,
        id=record.election.election_id,
        tallies=[read_of(TallyRead, item) for item in record.tallies],
        corrections=[read_of(CorrectionRead, item) for item in record.corrections],
    )


@router.post(
    "/bodies/{body_id}/elections",
    operation_id="record_election",
    response_model=ElectionRead,
    status_code=status.HTTP_201_CREATED,
)
async def record_election(uow: Uow, body_id: uuid.UUID, body: ElectionCreate, principal: MemberManager) -> ElectionRead:
    """An election's paper tallies, typed in: one line per candidate."""
    votes = [(line.person_id, line.votes) for line in body.tallies]
    record = await elections.record_election(uow, principal, body_id, body.held_on, body.seats, body.college, votes)
    return _read(record)


@router.get("/elections/{election_id}", operation_id="get_election", response_model=ElectionRead)
async def get_election(uow: Uow, election_id: uuid.UUID, principal: Reader) -> ElectionRead:
    return _read(await elections.election_record(uow, principal, election_id))


@router.post("/elections/{election_id}/corrections", operation_id="correct_tally", response_model=ElectionRead)
async def correct_tally(
    uow: Uow, election_id: uuid.UUID, body: TallyCorrection, principal: MemberManager
) -> ElectionRead:
    """Correct one candidate's count before the proclamation; the log keeps before, after, who and why."""
    record = await elections.correct_tally(uow, principal, election_id, body.person_id, body.votes, body.reason)
    return _read(record)


@router.post("/elections/{election_id}/proclamation", operation_id="proclaim_election", response_model=ElectionRead)
async def proclaim_election(
    uow: Uow, election_id: uuid.UUID, body: Proclamation, principal: MemberManager
) -> ElectionRead:
    """Proclaim the elected for the seats (a tie for the last seat needs the tie-break order); each elected
    person gets a mandate. Once."""
    record = await elections.proclaim(uow, principal, election_id, body.starts_on, body.ends_on, list(body.tie_break))
    return _read(record)
