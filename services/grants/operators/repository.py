"""The operators' queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select

from kit.pagination import PageRequest, fetch_page
from services.grants.operators.domain import Operator, OperatorProfile
from services.grants.operators.models import OperatorRow
from services.grants.persistence import Repository


def operator_of(row: OperatorRow) -> Operator:
    return Operator(
        operator_id=row.operator_id,
        contract_code=row.contract_code,
        nom=row.nom,
        siret=row.siret,
        rna=row.rna,
        legal_form=row.legal_form,
        address=row.address,
        code_commune=row.code_commune,
        profile=OperatorProfile(row.profile),
        dauphin_tiers=row.dauphin_tiers,
        version=row.version,
    )


class OperatorRepository(Repository):
    async def list(
        self, contract_code: str, only: Collection[uuid.UUID] | None, page: PageRequest
    ) -> tuple[list[OperatorRow], int]:
        query = select(OperatorRow).where(OperatorRow.contract_code == contract_code)
        if only is not None:
            query = query.where(OperatorRow.operator_id.in_(list(only)))
        return await fetch_page(self.session, query.order_by(OperatorRow.nom, OperatorRow.operator_id), page)

    async def get(self, operator_id: uuid.UUID, *, for_update: bool = False) -> OperatorRow | None:
        return await self._one(select(OperatorRow).where(OperatorRow.operator_id == operator_id), for_update=for_update)

    async def by_siret(self, contract_code: str, siret: str) -> OperatorRow | None:
        return await self._one(
            select(OperatorRow).where(OperatorRow.contract_code == contract_code, OperatorRow.siret == siret)
        )
