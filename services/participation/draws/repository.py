"""The queries of draws, their pseudonymous pools and the pools' identities."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import Text, delete, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from kit.pagination import PageRequest, fetch_page
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

    async def identities_page(
        self, draw_id: uuid.UUID, references: Sequence[str], page: PageRequest
    ) -> tuple[list[tuple[str, Identity]], int]:
        """A page of the names of the pool's entries with these references, in the order of `references`, and
        how many there are in all."""
        position = func.array_position(literal(list(references), ARRAY(Text)), DrawIdentityRow.reference)
        query = select(DrawIdentityRow).where(
            DrawIdentityRow.draw_id == draw_id, DrawIdentityRow.reference.in_(list(references))
        )
        rows, total = await fetch_page(self.session, query.order_by(position, DrawIdentityRow.reference), page)
        return [(row.reference, record_of(Identity, row)) for row in rows], total

    async def identities_drawn_as(
        self, entries: Collection[tuple[uuid.UUID, str]]
    ) -> list[tuple[uuid.UUID, str, Identity]]:
        """The pool's names still kept for these (draw, reference) entries: a person drawn, by their mandates."""
        if not entries:
            return []
        query = select(DrawIdentityRow).where(tuple_(DrawIdentityRow.draw_id, DrawIdentityRow.reference).in_(entries))
        rows = await self.all(query.order_by(DrawIdentityRow.draw_id, DrawIdentityRow.reference))
        return [(row.draw_id, row.reference, record_of(Identity, row)) for row in rows]

    async def erase_identities_drawn_as(self, entries: Collection[tuple[uuid.UUID, str]]) -> int:
        if not entries:
            return 0
        result = await self.session.execute(
            delete(DrawIdentityRow)
            .where(tuple_(DrawIdentityRow.draw_id, DrawIdentityRow.reference).in_(entries))
            .returning(DrawIdentityRow.reference)
        )
        return len(result.all())

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
