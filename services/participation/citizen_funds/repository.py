"""The queries of citizen funds, their applications and declared conflicts."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.participation.citizen_funds import domain
from services.participation.citizen_funds.models import CitizenFundRow, FundApplicationRow, FundConflictRow
from services.participation.persistence import SessionRepository


def fund_from_row(row: CitizenFundRow) -> domain.Fund:
    return domain.Fund(row.fund_id, row.contract_code, row.committee_body_id, row.name, row.year, row.envelope_cents)


def application_from_row(row: FundApplicationRow) -> domain.FundApplication:
    return domain.FundApplication(
        application_id=row.application_id,
        fund_id=row.fund_id,
        title=row.title,
        group_name=row.group_name,
        description=row.description,
        qpv_codes=tuple(row.qpv_codes),
        requested_cents=row.requested_cents,
        status=domain.FundApplicationStatus(row.status),
        granted_cents=row.granted_cents,
        decided_on=row.decided_on,
        votes=row.votes,
        paid_cents=row.paid_cents,
        paid_on=row.paid_on,
        spent_cents=row.spent_cents,
        participants=row.participants,
        reported_on=row.reported_on,
        version=row.version,
    )


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
