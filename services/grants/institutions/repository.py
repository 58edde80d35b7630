"""The financers' and partners' queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from kit.pagination import PageRequest, fetch_page
from services.grants.institutions.domain import Institution, InstitutionKind
from services.grants.institutions.models import InstitutionRow
from services.grants.persistence import Columns, Repository


def institution_of(row: InstitutionRow | Columns) -> Institution:
    return Institution(
        institution_id=row.institution_id,
        contract_code=row.contract_code,
        code=row.code,
        nom=row.nom,
        kind=InstitutionKind(row.kind),
        cerfa_subline=row.cerfa_subline,
        dauphin_funder_title=row.dauphin_funder_title,
        version=row.version,
        siret=row.siret,
    )


class InstitutionRepository(Repository):
    async def list(self, contract_code: str) -> list[InstitutionRow]:
        query = select(InstitutionRow).where(InstitutionRow.contract_code == contract_code)
        return await self._all(query.order_by(InstitutionRow.code))

    async def page(self, contract_code: str, page: PageRequest) -> tuple[Sequence[Institution], int]:
        query = select(InstitutionRow).where(InstitutionRow.contract_code == contract_code)
        ordered = query.order_by(InstitutionRow.code, InstitutionRow.institution_id)
        rows, total = await fetch_page(self.session, ordered, page)
        return [institution_of(row) for row in rows], total

    async def of_contract(self, contract_code: str) -> dict[uuid.UUID, Institution]:
        """The contract's financers and partners by id, in the order of their codes."""
        return {row.institution_id: institution_of(row) for row in await self.list(contract_code)}

    async def get(self, institution_id: uuid.UUID) -> InstitutionRow | None:
        return await self.session.get(InstitutionRow, institution_id)

    async def by_code(self, contract_code: str, code: str) -> InstitutionRow | None:
        return await self._one(
            select(InstitutionRow).where(InstitutionRow.contract_code == contract_code, InstitutionRow.code == code)
        )

    async def state_p147(self, contract_code: str) -> uuid.UUID | None:
        """The contract's State (P147) financer, if it has one."""
        query = select(InstitutionRow.institution_id).where(
            InstitutionRow.contract_code == contract_code, InstitutionRow.kind == InstitutionKind.STATE_P147.value
        )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()
