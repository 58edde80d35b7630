"""The queries of the indicator catalogue and values."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from kit.pagination import PageRequest
from services.territories.indicators.domain import (
    Figure,
    IndicatorDefinition,
    IndicatorValue,
    TerritoryKind,
    TerritoryRef,
)
from services.territories.indicators.models import IndicatorRow, IndicatorValueRow
from services.territories.persistence import Repository, record_of, upsert


def _value(row: IndicatorValueRow) -> IndicatorValue:
    return IndicatorValue(
        indicator=row.indicator_code,
        territory=TerritoryRef(TerritoryKind(row.territory_kind), row.territory_code, row.qpv_id),
        territory_label=row.territory_label,
        figure=record_of(Figure, row),
        source_reference=row.source_reference,
        value_id=row.value_id,
    )


def _columns(value: IndicatorValue) -> dict[str, Any]:
    return {
        "indicator_code": value.indicator,
        "territory_kind": value.territory.kind.value,
        "territory_code": value.territory.code,
        "qpv_id": value.territory.qpv_id,
        "territory_label": value.territory_label,
        "source_reference": value.source_reference,
        **asdict(value.figure),
    }


class IndicatorRepository(Repository):
    async def catalogue(self) -> list[IndicatorDefinition]:
        return await self.records(select(IndicatorRow).order_by(IndicatorRow.code), IndicatorDefinition)

    async def catalogue_page(self, page: PageRequest) -> tuple[list[IndicatorDefinition], int]:
        query = select(IndicatorRow).order_by(IndicatorRow.code)
        return await self.paged(query, page, lambda row: record_of(IndicatorDefinition, row))

    async def get(self, code: str, *, for_update: bool = False) -> IndicatorDefinition | None:
        row = await self.session.get(IndicatorRow, code, with_for_update=for_update)
        return None if row is None else record_of(IndicatorDefinition, row)

    async def define(self, definitions: Sequence[IndicatorDefinition]) -> int:
        """Create or change catalogue entries; returns how many changed."""
        return await upsert(self.session, IndicatorRow, [asdict(definition) for definition in definitions], ["code"])

    async def add_values(self, values: Sequence[IndicatorValue]) -> int:
        """Insert values not already stored (same natural key); returns how many were new."""
        rows = [_columns(value) for value in values]
        created = 0
        for start in range(0, len(rows), 1000):
            statement = (
                insert(IndicatorValueRow)
                .values(rows[start : start + 1000])
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
    ) -> tuple[list[IndicatorValue], int]:
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
        return await self.paged(query, page, _value)

    async def values_of_qpvs(self, qpv_ids: Collection[uuid.UUID], indicator: str) -> list[IndicatorValue]:
        query = select(IndicatorValueRow).where(
            IndicatorValueRow.qpv_id.in_(list(qpv_ids)), IndicatorValueRow.indicator_code == indicator
        )
        return [_value(row) for row in (await self.session.execute(query.order_by(IndicatorValueRow.year))).scalars()]

    async def values_of(self, kind: TerritoryKind, code: str, indicator: str) -> list[IndicatorValue]:
        query = select(IndicatorValueRow).where(
            IndicatorValueRow.territory_kind == kind.value,
            IndicatorValueRow.territory_code == code,
            IndicatorValueRow.indicator_code == indicator,
        )
        return [_value(row) for row in (await self.session.execute(query.order_by(IndicatorValueRow.year))).scalars()]
