"""The queries of citizen funds, their applications and declared conflicts."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.participation.citizen_funds import domain
from services.participation.citizen_funds.models import CitizenFundRow, FundApplicationRow, FundConflictRow
from services.participation.persistence import SessionRepository, record_of


def fund_from_row(row: CitizenFundRow) -> domain.Fund:
    return record_of(domain.Fund, row)


def application_from_row(row: FundApplicationRow) -> domain.FundApplication:
    return record_of(domain.FundApplication, row)


class CitizenFundRepository(SessionRepository):
    async def fund(self, fund_id: uuid.UUID, *, lock: bool = False) -> domain.Fund | None:
        row = await self.one(select(CitizenFundRow).where(CitizenFundRow.fund_id == fund_id), lock=lock)
        return None if row is None else fund_from_row(row)

    async def application(self, application_id: uuid.UUID, *, lock: bool = False) -> FundApplicationRow | None:
        query = select(FundApplicationRow).where(FundApplicationRow.application_id == application_id)
        return await self.one(query, lock=lock)

    async def applications(self, fund_id: uuid.UUID) -> list[domain.FundApplication]:
        query = select(FundApplicationRow).where(FundApplicationRow.fund_id == fund_id)
        order = (FundApplicationRow.created_at, FundApplicationRow.application_id)
        return [application_from_row(row) for row in await self.all(query.order_by(*order))]

    async def conflicted(self, application_id: uuid.UUID) -> set[uuid.UUID]:
        query = select(FundConflictRow.person_id).where(FundConflictRow.application_id == application_id)
        return set(await self.all(query))
