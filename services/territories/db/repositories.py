"""All queries of the territories service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageRequest, fetch_page
from services.territories.db.models import (
    FilosofiSquareRow,
    VulnerabilityComputationRow,
)
from services.territories.reference.models import CommuneRow

SQUARE_COLUMNS = (
    "square_id",
    "northing",
    "easting",
    "imputed",
    "individuals",
    "households",
    "poor_households",
    "sum_standard_of_living",
)


class VulnerabilityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def square_ids(self, vintage: int, square_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        ids = list(square_ids)
        for start in range(0, len(ids), 10_000):
            query = select(FilosofiSquareRow.square_id).where(
                FilosofiSquareRow.vintage == vintage, FilosofiSquareRow.square_id.in_(ids[start : start + 10_000])
            )
            found |= set((await self.session.execute(query)).scalars().all())
        return found

    async def latest_vintage(self, communes: Collection[str]) -> int | None:
        query = select(func.max(FilosofiSquareRow.vintage)).where(
            FilosofiSquareRow.codes_communes.overlap(list(communes))
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def squares_of(self, vintage: int, communes: Collection[str]) -> dict[str, list[Any]]:
        """The squares touching these communes, as columns."""
        query = select(*(FilosofiSquareRow.__table__.c[name] for name in SQUARE_COLUMNS)).where(
            FilosofiSquareRow.vintage == vintage, FilosofiSquareRow.codes_communes.overlap(list(communes))
        )
        rows = (await self.session.execute(query)).all()
        return {name: [row[position] for row in rows] for position, name in enumerate(SQUARE_COLUMNS)}

    async def communes_of_epci(self, code_epci: str) -> list[str]:
        query = select(CommuneRow.code).where(CommuneRow.code_epci == code_epci).order_by(CommuneRow.code)
        return list((await self.session.execute(query)).scalars().all())

    async def existing_communes(self, codes: Collection[str]) -> set[str]:
        query = select(CommuneRow.code).where(CommuneRow.code.in_(list(codes)))
        return set((await self.session.execute(query)).scalars().all())

    async def add_computation(self, row: VulnerabilityComputationRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def get_computation(self, computation_id: uuid.UUID) -> VulnerabilityComputationRow | None:
        return await self.session.get(VulnerabilityComputationRow, computation_id)

    async def list_computations(self, page: PageRequest) -> tuple[list[VulnerabilityComputationRow], int]:
        query = select(VulnerabilityComputationRow).order_by(
            VulnerabilityComputationRow.created_at.desc(), VulnerabilityComputationRow.computation_id
        )
        return await fetch_page(self.session, query, page)
