"""The calls' queries."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from sqlalchemy import select

from kit.pagination import PageRequest, fetch_page
from services.grants.calls.domain import Calendar, CallForProjects, Scheme, SchemeEnvelope
from services.grants.calls.models import CallRow, SchemeEnvelopeRow
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

    async def scheme_envelopes(self, contract_code: str, page: PageRequest) -> tuple[list[SchemeEnvelope], int]:
        """The schemes' envelopes the contract's text gives, by scheme."""
        query = select(SchemeEnvelopeRow).where(SchemeEnvelopeRow.contract_code == contract_code)
        rows, total = await fetch_page(self.session, query.order_by(SchemeEnvelopeRow.scheme), page)
        return [_envelope(row) for row in rows], total

    async def add_missing_envelopes(self, envelopes: list[SchemeEnvelope]) -> int:
        """Store the envelopes not stored yet; how many were."""
        added = 0
        for envelope in envelopes:
            if await self.session.get(SchemeEnvelopeRow, (envelope.contract_code, envelope.scheme.value)) is None:
                self.session.add(SchemeEnvelopeRow(**{**asdict(envelope), "scheme": envelope.scheme.value}))
                added += 1
        await self.session.flush()
        return added


def _envelope(row: SchemeEnvelopeRow) -> SchemeEnvelope:
    return SchemeEnvelope(
        contract_code=row.contract_code,
        scheme=Scheme(row.scheme),
        financer_code=row.financer_code,
        beneficiaries=row.beneficiaries,
        amount_cents=row.amount_cents,
        period=row.period,
        source=row.source,
    )
