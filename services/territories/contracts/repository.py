"""The queries of the registry of contracts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select, update

from kit.pagination import PageRequest
from services.territories.contracts.domain import Contract, Signatory
from services.territories.contracts.models import ContractRow
from services.territories.persistence import Repository, record_of


def _contract(row: ContractRow) -> Contract:
    signatories = tuple(Signatory(**signatory) for signatory in row.signatories)
    return record_of(Contract, row, qpv_codes=tuple(row.qpv_codes), signatories=signatories)


def _columns(contract: Contract) -> dict[str, Any]:
    return {
        "nom": contract.nom,
        "code_epci": contract.code_epci,
        "start_year": contract.start_year,
        "end_year": contract.end_year,
        "qpv_codes": list(contract.qpv_codes),
        "signatories": [asdict(signatory) for signatory in contract.signatories],
        "version": contract.version,
    }


class ContractRepository(Repository):
    async def list(self, page: PageRequest, code_epci: str | None) -> tuple[list[Contract], int]:
        query = select(ContractRow).order_by(ContractRow.code)
        if code_epci is not None:
            query = query.where(ContractRow.code_epci == code_epci)
        return await self.paged(query, page, _contract)

    async def get(self, code: str, *, for_update: bool = False) -> Contract | None:
        query = select(ContractRow).where(ContractRow.code == code)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else _contract(row)

    async def add(self, contract: Contract) -> None:
        self.session.add(ContractRow(code=contract.code, **_columns(contract)))
        await self.session.flush()

    async def update(self, contract: Contract) -> None:
        statement = update(ContractRow).where(ContractRow.code == contract.code)
        await self.session.execute(statement.values(**_columns(contract), updated_at=func.now()))

    async def epcis_of_contracts(self, contract_codes: Collection[str]) -> frozenset[str]:
        """The EPCIs of these contracts: the territories their pilots write the records of."""
        if not contract_codes:
            return frozenset()
        query = select(ContractRow.code_epci).where(ContractRow.code.in_(list(contract_codes)))
        return frozenset((await self.session.execute(query)).scalars().all())
