"""The calls' queries."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kit.pagination import PageRequest, fetch_page
from services.grants.calls.domain import Calendar, CallForProjects, Scheme
from services.grants.calls.models import CallRow
from services.grants.persistence import Repository


def call_of(row: CallRow) -> CallForProjects:
    return CallForProjects(
        call_id=row.call_id,
        contract_code=row.contract_code,
        year=row.year,
        scheme=Scheme(row.scheme),
        title=row.title,
        calendar=Calendar(row.opens_on, row.closes_on, row.notification_target_on),
        version=row.version,
    )


class CallRepository(Repository):
    async def list_of_contract(
        self, contract_code: str, year: int | None, page: PageRequest
    ) -> tuple[list[CallRow], int]:
        """Calls of the contract, newest year first."""
        query = select(CallRow).where(CallRow.contract_code == contract_code)
        if year is not None:
            query = query.where(CallRow.year == year)
        return await fetch_page(self.session, query.order_by(CallRow.year.desc(), CallRow.call_id), page)

    async def get(self, call_id: uuid.UUID, *, for_update: bool = False) -> CallRow | None:
        return await self._one(select(CallRow).where(CallRow.call_id == call_id), for_update=for_update)

    async def exists(self, contract_code: str, year: int, scheme: str) -> bool:
        query = select(CallRow.call_id).where(
            CallRow.contract_code == contract_code, CallRow.year == year, CallRow.scheme == scheme
        )
        return (await self.session.execute(query)).first() is not None

    async def of_year(self, contract_code: str, year: int) -> list[CallRow]:
        """A contract's calls of one year, by scheme."""
        query = select(CallRow).where(CallRow.contract_code == contract_code, CallRow.year == year)
        return await self._all(query.order_by(CallRow.scheme))
