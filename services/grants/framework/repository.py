"""The strategic framework's queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from services.grants.framework.domain import Level, Objective, Pillar
from services.grants.framework.models import ObjectiveRow
from services.grants.persistence import Repository


def objective_of(row: ObjectiveRow) -> Objective:
    return Objective(
        objective_id=row.objective_id,
        contract_code=row.contract_code,
        level=Level(row.level),
        code=row.code,
        label=row.label,
        parent_id=row.parent_id,
        position=row.position,
        p147_theme=row.p147_theme,
        pillar=Pillar(row.pillar) if row.pillar else None,
        source_line=row.source_line,
    )


def operational_objectives(
    contract_code: str | SQLColumnExpression[str], ids: Collection[uuid.UUID]
) -> ColumnElement[bool]:
    """The objectives among `ids` that are operational objectives of the contract (the leaves of its tree);
    `contract_code` may be a column of the row another statement reads beside them."""
    return and_(
        ObjectiveRow.contract_code == contract_code,
        ObjectiveRow.level == Level.OPERATIONAL.value,
        ObjectiveRow.objective_id.in_(list(ids)),
    )


class FrameworkRepository(Repository):
    async def of_contract(self, contract_code: str) -> list[Objective]:
        query = select(ObjectiveRow).where(ObjectiveRow.contract_code == contract_code)
        return [objective_of(row) for row in await self._all(query.order_by(ObjectiveRow.position))]

    async def lock(self, contract_code: str) -> None:
        """Serialise the replacements of a contract's tree until the transaction ends (no row stands for it)."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended("framework:" + contract_code, 0)))
        )

    async def replace(self, contract_code: str, objectives: Sequence[Objective]) -> int:
        """Upsert the tree's objectives and delete those it no longer has; how many were deleted."""
        rows = [
            {
                "objective_id": item.objective_id,
                "contract_code": item.contract_code,
                "level": item.level.value,
                "code": item.code,
                "label": item.label,
                "parent_id": item.parent_id,
                "position": item.position,
                "p147_theme": item.p147_theme,
                "pillar": item.pillar.value if item.pillar else None,
                "source_line": item.source_line,
            }
            for item in objectives
        ]
        removed = await self.session.execute(
            delete(ObjectiveRow)
            .where(
                ObjectiveRow.contract_code == contract_code,
                ObjectiveRow.objective_id.not_in([row["objective_id"] for row in rows]),
            )
            .returning(ObjectiveRow.objective_id)
        )
        deleted = len(removed.all())
        if rows:
            statement = insert(ObjectiveRow)
            columns = [name for name in rows[0] if name != "objective_id"]
            upsert = statement.on_conflict_do_update(
                index_elements=["objective_id"], set_={name: statement.excluded[name] for name in columns}
            )
            await self.session.execute(upsert, rows)
        return deleted

    async def operational(self, contract_code: str, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of the ids that are operational objectives of the contract."""
        query = select(ObjectiveRow.objective_id).where(operational_objectives(contract_code, ids))
        return set((await self.session.execute(query)).scalars().all())
