"""The contract indicators' queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from kit.pagination import PageRequest, fetch_page
from services.grants.contract_indicators.domain import (
    Baseline,
    ContractIndicator,
    Direction,
    EvaluationObject,
    Observation,
    Target,
)
from services.grants.contract_indicators.models import ContractIndicatorRow, ContractIndicatorValueRow
from services.grants.persistence import Repository


def indicator_of(row: ContractIndicatorRow, values: Sequence[ContractIndicatorValueRow]) -> ContractIndicator:
    return ContractIndicator(
        indicator_id=row.indicator_id,
        contract_code=row.contract_code,
        code=row.code,
        label=row.label,
        unit=row.unit,
        evaluation_object=EvaluationObject(row.evaluation_object),
        baseline=Baseline(
            row.baseline_value,
            row.baseline_year,
            row.baseline_perimeter,
            row.baseline_source,
            row.baseline_is_fictitious,
        ),
        target=Target(
            row.target_value,
            row.target_year,
            Direction(row.target_direction),
            row.target_source,
            row.target_is_fictitious,
        ),
        observations=tuple(
            Observation(item.year, item.value, item.perimeter, item.source, item.is_fictitious)
            for item in sorted(values, key=lambda value: value.year)
        ),
        version=row.version,
    )


def indicator_row(indicator: ContractIndicator) -> ContractIndicatorRow:
    baseline, target = indicator.baseline, indicator.target
    return ContractIndicatorRow(
        indicator_id=indicator.indicator_id,
        contract_code=indicator.contract_code,
        code=indicator.code,
        label=indicator.label,
        unit=indicator.unit,
        evaluation_object=indicator.evaluation_object.value,
        baseline_value=baseline.value,
        baseline_year=baseline.year,
        baseline_perimeter=baseline.perimeter,
        baseline_source=baseline.source,
        baseline_is_fictitious=baseline.is_fictitious,
        target_value=target.value,
        target_year=target.year,
        target_direction=target.direction.value,
        target_source=target.source,
        target_is_fictitious=target.is_fictitious,
        version=indicator.version,
    )


def value_row(indicator_id: uuid.UUID, observation: Observation) -> ContractIndicatorValueRow:
    return ContractIndicatorValueRow(
        indicator_id=indicator_id,
        year=observation.year,
        value=observation.value,
        perimeter=observation.perimeter,
        source=observation.source,
        is_fictitious=observation.is_fictitious,
    )


class ContractIndicatorRepository(Repository):
    async def _values(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ContractIndicatorValueRow]]:
        found: dict[uuid.UUID, list[ContractIndicatorValueRow]] = {}
        if ids:
            query = select(ContractIndicatorValueRow).where(ContractIndicatorValueRow.indicator_id.in_(list(ids)))
            for row in await self._all(query):
                found.setdefault(row.indicator_id, []).append(row)
        return found

    async def page(
        self, contract_code: str, evaluation_object: EvaluationObject | None, page: PageRequest
    ) -> tuple[list[ContractIndicator], int]:
        query = select(ContractIndicatorRow).where(ContractIndicatorRow.contract_code == contract_code)
        if evaluation_object is not None:
            query = query.where(ContractIndicatorRow.evaluation_object == evaluation_object.value)
        ordered = query.order_by(ContractIndicatorRow.code, ContractIndicatorRow.indicator_id)
        rows, total = await fetch_page(self.session, ordered, page)
        values = await self._values([row.indicator_id for row in rows])
        return [indicator_of(row, values.get(row.indicator_id, [])) for row in rows], total

    async def row(self, indicator_id: uuid.UUID, *, for_update: bool = False) -> ContractIndicatorRow | None:
        query = select(ContractIndicatorRow).where(ContractIndicatorRow.indicator_id == indicator_id)
        return await self._one(query, for_update=for_update)

    async def get(self, row: ContractIndicatorRow) -> ContractIndicator:
        return indicator_of(row, (await self._values([row.indicator_id])).get(row.indicator_id, []))

    async def by_code(self, contract_code: str, code: str) -> ContractIndicatorRow | None:
        return await self._one(
            select(ContractIndicatorRow).where(
                ContractIndicatorRow.contract_code == contract_code, ContractIndicatorRow.code == code
            )
        )

    async def value(self, indicator_id: uuid.UUID, year: int) -> ContractIndicatorValueRow | None:
        return await self.session.get(ContractIndicatorValueRow, (indicator_id, year))
