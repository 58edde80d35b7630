"""The queries of elections, their tallies and corrections."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.participation.elections import domain
from services.participation.elections.models import ElectionCorrectionRow, ElectionRow, ElectionTallyRow
from services.participation.persistence import SessionRepository


def election_from_row(row: ElectionRow) -> domain.Election:
    return domain.Election(
        election_id=row.election_id,
        body_id=row.body_id,
        contract_code=row.contract_code,
        held_on=row.held_on,
        seats=row.seats,
        college=row.college,
        proclaimed_on=row.proclaimed_on,
        tie_break=None if row.tie_break is None else tuple(row.tie_break),
    )


def tally_from_row(row: ElectionTallyRow) -> domain.CandidateTally:
    return domain.CandidateTally(row.person_id, row.votes, row.elected)


class ElectionRepository(SessionRepository):
    async def find(self, election_id: uuid.UUID, *, lock: bool = False) -> ElectionRow | None:
        return await self.one(select(ElectionRow).where(ElectionRow.election_id == election_id), lock=lock)

    async def tallies(self, election_id: uuid.UUID) -> list[ElectionTallyRow]:
        query = select(ElectionTallyRow).where(ElectionTallyRow.election_id == election_id)
        return await self.all(query.order_by(ElectionTallyRow.person_id))

    async def corrections(self, election_id: uuid.UUID) -> list[domain.Correction]:
        query = select(ElectionCorrectionRow).where(ElectionCorrectionRow.election_id == election_id)
        return [
            domain.Correction(row.person_id, row.votes_before, row.votes_after, row.reason, row.corrected_at)
            for row in await self.all(query.order_by(ElectionCorrectionRow.corrected_at))
        ]
