"""The queries of elections, their tallies and corrections."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.participation.elections import domain
from services.participation.elections.models import ElectionCorrectionRow, ElectionRow, ElectionTallyRow
from services.participation.persistence import SessionRepository, record_of


def election_from_row(row: ElectionRow) -> domain.Election:
    return record_of(domain.Election, row)


def tally_from_row(row: ElectionTallyRow) -> domain.CandidateTally:
    return record_of(domain.CandidateTally, row)


class ElectionRepository(SessionRepository):
    async def find(self, election_id: uuid.UUID, *, lock: bool = False) -> ElectionRow | None:
        return await self.one(select(ElectionRow).where(ElectionRow.election_id == election_id), lock=lock)

    async def tallies(self, election_id: uuid.UUID) -> list[ElectionTallyRow]:
        query = select(ElectionTallyRow).where(ElectionTallyRow.election_id == election_id)
        return await self.all(query.order_by(ElectionTallyRow.person_id))

    async def corrections(self, election_id: uuid.UUID) -> list[domain.Correction]:
        query = select(ElectionCorrectionRow).where(ElectionCorrectionRow.election_id == election_id)
        return [
            record_of(domain.Correction, row)
            for row in await self.all(query.order_by(ElectionCorrectionRow.corrected_at))
        ]
