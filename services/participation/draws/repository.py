"""The queries of draws, their pseudonymous pools and the pools' identities."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import delete, select

from services.participation.draws import domain
from services.participation.draws.models import DrawCandidateRow, DrawIdentityRow, DrawRow
from services.participation.members.domain import Identity
from services.participation.persistence import SessionRepository, record_of


def draw_from_row(row: DrawRow) -> domain.Draw:
    return record_of(domain.Draw, row)


class DrawRepository(SessionRepository):
    async def find(self, draw_id: uuid.UUID, *, lock: bool = False) -> DrawRow | None:
        return await self.one(select(DrawRow).where(DrawRow.draw_id == draw_id), lock=lock)

    async def candidates(self, draw_id: uuid.UUID) -> list[domain.Candidate]:
        query = select(DrawCandidateRow).where(DrawCandidateRow.draw_id == draw_id)
        return [record_of(domain.Candidate, row) for row in await self.all(query.order_by(DrawCandidateRow.reference))]

    async def identities(self, draw_id: uuid.UUID, references: Collection[str]) -> dict[str, Identity]:
        """The names of the pool's entries with these references, by reference."""
        query = select(DrawIdentityRow).where(
            DrawIdentityRow.draw_id == draw_id, DrawIdentityRow.reference.in_(list(references))
        )
        return {row.reference: record_of(Identity, row) for row in await self.all(query)}

    async def purge_identities(self, draw_id: uuid.UUID) -> int:
        result = await self.session.execute(
            delete(DrawIdentityRow).where(DrawIdentityRow.draw_id == draw_id).returning(DrawIdentityRow.reference)
        )
        return len(result.all())

    async def past_challenge(self, today: date) -> list[DrawRow]:
        """The draws whose challenge period is over and whose pool still holds names, locked."""
        query = select(DrawRow).where(
            DrawRow.challenge_ends_on < today, DrawRow.status != domain.DrawStatus.PURGED.value
        )
        return await self.all(query.with_for_update())
