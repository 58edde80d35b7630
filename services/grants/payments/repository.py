"""The payments' queries: an application's tranches."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from services.grants.payments.domain import Gate, Tranche, TrancheKind, TrancheStatus
from services.grants.payments.models import TrancheRow
from services.grants.persistence import Repository


def tranche_of(row: TrancheRow) -> Tranche:
    return Tranche(
        tranche_id=row.tranche_id,
        application_id=row.application_id,
        institution_id=row.institution_id,
        position=row.position,
        kind=TrancheKind(row.kind),
        planned_cents=row.planned_cents,
        planned_on=row.planned_on,
        status=TrancheStatus(row.status),
        paid_cents=row.paid_cents,
        paid_on=row.paid_on,
        chorus_commitment=row.chorus_commitment,
        chorus_payment=row.chorus_payment,
        overridden_gates=tuple(Gate(gate) for gate in row.overridden_gates or ()),
        override_reason=row.override_reason,
        failure_reason=row.failure_reason,
        replaces=row.replaces_tranche_id,
        version=row.version,
    )


class PaymentRepository(Repository):
    async def tranches(self, application_id: uuid.UUID, institution_id: uuid.UUID | None = None) -> list[TrancheRow]:
        """The application's tranches (of one financer's line when given), by financer and position."""
        query = select(TrancheRow).where(TrancheRow.application_id == application_id)
        if institution_id is not None:
            query = query.where(TrancheRow.institution_id == institution_id)
        return await self._all(query.order_by(TrancheRow.institution_id, TrancheRow.position))

    async def tranche(self, tranche_id: uuid.UUID, *, for_update: bool = False) -> TrancheRow | None:
        return await self._one(select(TrancheRow).where(TrancheRow.tranche_id == tranche_id), for_update=for_update)

    async def remove_plan(self, application_id: uuid.UUID, institution_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(TrancheRow).where(
                TrancheRow.application_id == application_id, TrancheRow.institution_id == institution_id
            )
        )
