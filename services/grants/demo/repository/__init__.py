"""What the demo programmation reads before it writes (the contract's financers, operational objectives and
calls, and whether the demo is there already); its rows are built in rows.py and committees.py."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.grants.calls.models import CallRow
from services.grants.framework.models import ObjectiveRow
from services.grants.institutions.models import InstitutionRow
from services.grants.operators.models import OperatorRow
from services.grants.persistence import Repository


class DemoRepository(Repository):
    async def loaded(self, operator_id: uuid.UUID) -> bool:
        return await self.session.get(OperatorRow, operator_id) is not None

    async def financers(self, contract_code: str) -> dict[str, uuid.UUID]:
        query = select(InstitutionRow.code, InstitutionRow.institution_id).where(
            InstitutionRow.contract_code == contract_code
        )
        return {row.code: row.institution_id for row in (await self.session.execute(query)).all()}

    async def financer_names(self, contract_code: str) -> dict[str, str]:
        query = select(InstitutionRow.code, InstitutionRow.nom).where(InstitutionRow.contract_code == contract_code)
        return {row.code: row.nom for row in (await self.session.execute(query)).all()}

    async def operational_objectives(self, contract_code: str) -> list[uuid.UUID]:
        query = (
            select(ObjectiveRow.objective_id)
            .where(ObjectiveRow.contract_code == contract_code, ObjectiveRow.level == "operational")
            .order_by(ObjectiveRow.code, ObjectiveRow.objective_id)
        )
        return list((await self.session.execute(query)).scalars())

    async def calls(self, contract_code: str) -> dict[tuple[int, str], uuid.UUID]:
        query = select(CallRow.year, CallRow.scheme, CallRow.call_id).where(CallRow.contract_code == contract_code)
        return {(year, scheme): call_id for year, scheme, call_id in (await self.session.execute(query)).all()}
