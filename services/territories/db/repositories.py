"""All queries of the territories service."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageRequest, fetch_page
from services.territories.db.models import (
    FilosofiSquareRow,
    IndicatorRow,
    IndicatorValueRow,
    VulnerabilityComputationRow,
)
from services.territories.qpvs.models import QpvLineageRow, QpvRow
from services.territories.reference.models import CommuneRow, EpciRow


class IndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def catalogue(self) -> list[IndicatorRow]:
        return list((await self.session.execute(select(IndicatorRow).order_by(IndicatorRow.code))).scalars().all())

    async def get(self, code: str, *, for_update: bool = False) -> IndicatorRow | None:
        return await self.session.get(IndicatorRow, code, with_for_update=for_update)

    async def add_values(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert values not already stored (same natural key); returns how many were new."""
        created = 0
        for start in range(0, len(rows), 1000):
            statement = (
                insert(IndicatorValueRow)
                .values(list(rows[start : start + 1000]))
                .on_conflict_do_nothing(constraint="indicator_values_natural_key")
            )
            result = await self.session.execute(statement)
            created += int(getattr(result, "rowcount", 0) or 0)
        return created

    async def list_values(
        self,
        page: PageRequest,
        indicator: str | None,
        kind: str | None,
        code: str | None,
        year: int | None,
    ) -> tuple[list[IndicatorValueRow], int]:
        query = select(IndicatorValueRow).order_by(
            IndicatorValueRow.indicator_code,
            IndicatorValueRow.territory_kind,
            IndicatorValueRow.territory_label,
            IndicatorValueRow.year.nulls_first(),
            IndicatorValueRow.value_id,
        )
        if indicator is not None:
            query = query.where(IndicatorValueRow.indicator_code == indicator)
        if kind is not None:
            query = query.where(IndicatorValueRow.territory_kind == kind)
        if code is not None:
            query = query.where(IndicatorValueRow.territory_code == code)
        if year is not None:
            query = query.where(IndicatorValueRow.year == year)
        return await fetch_page(self.session, query, page)

    async def values_of_qpvs(self, qpv_ids: Collection[uuid.UUID], indicator: str) -> list[IndicatorValueRow]:
        query = select(IndicatorValueRow).where(
            IndicatorValueRow.qpv_id.in_(list(qpv_ids)), IndicatorValueRow.indicator_code == indicator
        )
        return list((await self.session.execute(query.order_by(IndicatorValueRow.year))).scalars().all())

    async def values_of(self, kind: str, code: str, indicator: str) -> list[IndicatorValueRow]:
        query = select(IndicatorValueRow).where(
            IndicatorValueRow.territory_kind == kind,
            IndicatorValueRow.territory_code == code,
            IndicatorValueRow.indicator_code == indicator,
        )
        return list((await self.session.execute(query.order_by(IndicatorValueRow.year))).scalars().all())

    async def qpv_names(self) -> list[tuple[uuid.UUID, str | None, str, str, list[str], str | None]]:
        """Every QPV record's id, code, generation, name, aliases and EPCI (for name resolution)."""
        query = select(QpvRow.qpv_id, QpvRow.code, QpvRow.generation, QpvRow.nom, QpvRow.aliases, QpvRow.code_epci)
        return [(row[0], row[1], row[2], row[3], row[4], row[5]) for row in (await self.session.execute(query)).all()]

    async def lineage_links(self) -> list[tuple[uuid.UUID, uuid.UUID]]:
        query = select(QpvLineageRow.predecessor_id, QpvLineageRow.successor_id)
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]

    async def epcis_by_name(self) -> dict[str, str]:
        rows = (await self.session.execute(select(EpciRow.code, EpciRow.nom, EpciRow.nom_long))).all()
        names: dict[str, str] = {}
        for code, nom, nom_long in rows:
            names[nom] = code
            if nom_long:
                names[nom_long] = code
        return names

    async def communes_and_epcis(self, codes: Collection[str]) -> dict[str, str | None]:
        """Code -> EPCI of the communes among `codes` that exist."""
        query = select(CommuneRow.code, CommuneRow.code_epci).where(CommuneRow.code.in_(list(codes)))
        return {row[0]: row[1] for row in (await self.session.execute(query)).all()}

    async def existing_epcis(self, codes: Collection[str]) -> set[str]:
        query = select(EpciRow.code).where(EpciRow.code.in_(list(codes)))
        return set((await self.session.execute(query)).scalars().all())


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
