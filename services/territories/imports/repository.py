"""The writes of the imports: each reference table stored on its natural key (a re-import changes nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.territories.contracts.models import ContractRow
from services.territories.persistence import Repository, upsert
from services.territories.qpvs.models import QpvGenerationRow, QpvLineageRow, QpvRow
from services.territories.reference.models import CommuneRow, DepartementRow, EpciRow, RegionRow

Rows = Sequence[dict[str, Any]]


class ImportRepository(Repository):
    """Each method stores rows of one table and returns how many changed."""

    async def store_regions(self, rows: Rows) -> int:
        return await upsert(self.session, RegionRow, rows, ["code"])

    async def store_departements(self, rows: Rows) -> int:
        return await upsert(self.session, DepartementRow, rows, ["code"])

    async def store_epcis(self, rows: Rows) -> int:
        return await upsert(self.session, EpciRow, rows, ["code"])

    async def store_communes(self, rows: Rows) -> int:
        return await upsert(self.session, CommuneRow, rows, ["code"])

    async def store_generations(self, rows: Rows) -> int:
        return await upsert(self.session, QpvGenerationRow, rows, ["generation"])

    async def store_qpvs(self, rows: Rows) -> int:
        changed = 0
        for start in range(0, len(rows), 500):
            changed += await upsert(self.session, QpvRow, rows[start : start + 500], ["qpv_id"])
        return changed

    async def store_lineage(self, rows: Rows) -> int:
        return await upsert(self.session, QpvLineageRow, rows, ["predecessor_id", "successor_id"])

    async def store_contracts(self, rows: Rows) -> int:
        return await upsert(self.session, ContractRow, rows, ["code"])
