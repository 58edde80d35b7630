"""The instruction's queries: grids, marks and notes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.grants.instruction.domain import Annotation, Criterion, Grid
from services.grants.instruction.models import AnnotationRow, ScoreRow, ScoringGridRow
from services.grants.persistence import Repository


def grid_of(row: ScoringGridRow) -> Grid:
    return Grid(
        grid_id=row.grid_id,
        call_id=row.call_id,
        code=row.code,
        version=row.version,
        label=row.label,
        owner_institution=row.owner_institution,
        criteria=[Criterion(**item) for item in row.criteria],
    )


def annotation_of(row: AnnotationRow) -> Annotation:
    return Annotation(row.annotation_id, row.institution_code, row.author, row.text, row.score, row.created_at)


class ScoringRepository(Repository):
    async def grids(self, call_id: uuid.UUID) -> list[Grid]:
        query = select(ScoringGridRow).where(ScoringGridRow.call_id == call_id)
        return [grid_of(row) for row in await self._all(query.order_by(ScoringGridRow.code, ScoringGridRow.version))]

    async def grid(self, grid_id: uuid.UUID) -> Grid | None:
        row = await self.session.get(ScoringGridRow, grid_id)
        return None if row is None else grid_of(row)

    async def set_marks(self, rows: list[dict[str, Any]]) -> None:
        statement = insert(ScoreRow)
        upsert = statement.on_conflict_do_update(
            index_elements=["application_id", "grid_id", "criterion", "institution_code"],
            set_={
                "value": statement.excluded.value,
                "comment": statement.excluded.comment,
                "author": statement.excluded.author,
                "scored_at": func.now(),
            },
        )
        await self.session.execute(upsert, rows)

    async def marks(self, application_id: uuid.UUID, institution_code: str) -> list[ScoreRow]:
        query = select(ScoreRow).where(
            ScoreRow.application_id == application_id, ScoreRow.institution_code == institution_code
        )
        return await self._all(query.order_by(ScoreRow.criterion))

    async def grid_totals(self, call_id: uuid.UUID, grid_code: str, institution_code: str) -> dict[uuid.UUID, int]:
        """Per application: the sum of one institution's marks on the call's grid of that code."""
        query = (
            select(ScoreRow.application_id, func.sum(ScoreRow.value))
            .join(ScoringGridRow, ScoringGridRow.grid_id == ScoreRow.grid_id)
            .where(
                ScoringGridRow.call_id == call_id,
                ScoringGridRow.code == grid_code,
                ScoreRow.institution_code == institution_code,
            )
            .group_by(ScoreRow.application_id)
        )
        return {row[0]: int(row[1]) for row in (await self.session.execute(query)).all()}

    async def annotations(self, application_id: uuid.UUID, institution_code: str) -> list[Annotation]:
        query = select(AnnotationRow).where(
            AnnotationRow.application_id == application_id, AnnotationRow.institution_code == institution_code
        )
        return [annotation_of(row) for row in await self._all(query.order_by(AnnotationRow.created_at))]
