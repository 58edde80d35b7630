"""The conventions' queries: conventions, their yearly amounts, the applications carrying their years,
their history, their indicators and the values declared."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import Exists, delete, select

from kit.pagination import PageRequest, fetch_page
from services.grants.calls.models import CallRow
from services.grants.conventions.domain import (
    Convention,
    ConventionEvent,
    ConventionKind,
    ConventionStatus,
    DeclaredValue,
    Indicator,
    Term,
    TrackedIndicator,
    YearAmount,
)
from services.grants.conventions.models import (
    ConventionAmountRow,
    ConventionApplicationRow,
    ConventionEventRow,
    ConventionRow,
    IndicatorRow,
    IndicatorValueRow,
)
from services.grants.institutions.models import InstitutionRow
from services.grants.persistence import Repository
from services.grants.programmation.models import EnvelopeRow


def convention_of(row: ConventionRow) -> Convention:
    return Convention(
        convention_id=row.convention_id,
        contract_code=row.contract_code,
        operator_id=row.operator_id,
        reference=row.reference,
        term=Term(ConventionKind(row.kind), row.first_year, row.last_year),
        signed_on=row.signed_on,
        status=ConventionStatus(row.status),
        status_reason=row.status_reason,
        version=row.version,
    )


def amount_of(row: ConventionAmountRow) -> YearAmount:
    return YearAmount(row.year, row.institution_id, row.amount_cents)


def event_of(row: ConventionEventRow) -> ConventionEvent:
    return ConventionEvent(
        at=row.at,
        actor=row.actor,
        actor_institution=row.actor_institution,
        event=row.event,
        from_status=ConventionStatus(row.from_status),
        to_status=ConventionStatus(row.to_status),
        reason=row.reason,
        details=row.details,
    )


def indicator_of(row: IndicatorRow) -> Indicator:
    return Indicator(
        code=row.code,
        label=row.label,
        unit=row.unit,
        baseline=row.baseline,
        targets={int(year): Decimal(target) for year, target in row.targets.items()},
    )


class ConventionRepository(Repository):
    async def get(self, convention_id: uuid.UUID, *, for_update: bool = False) -> ConventionRow | None:
        query = select(ConventionRow).where(ConventionRow.convention_id == convention_id)
        return await self._one(query, for_update=for_update)

    async def reference_taken(self, contract_code: str, reference: str) -> bool:
        query = select(ConventionRow.convention_id).where(
            ConventionRow.contract_code == contract_code, ConventionRow.reference == reference
        )
        return (await self.session.execute(query)).first() is not None

    @staticmethod
    def _has_party(institution_code: str) -> Exists:
        """The convention has amounts of the contract's institution of that code."""
        return (
            select(ConventionAmountRow.convention_id)
            .join(InstitutionRow, InstitutionRow.institution_id == ConventionAmountRow.institution_id)
            .where(
                ConventionAmountRow.convention_id == ConventionRow.convention_id,
                InstitutionRow.contract_code == ConventionRow.contract_code,
                InstitutionRow.code == institution_code,
            )
            .exists()
        )

    async def with_party(self, convention_ids: Collection[uuid.UUID], institution_code: str) -> set[uuid.UUID]:
        """Those of the conventions the institution is a party to (a financer with amounts in them)."""
        query = select(ConventionRow.convention_id).where(
            ConventionRow.convention_id.in_(list(convention_ids)), self._has_party(institution_code)
        )
        return set((await self.session.execute(query)).scalars().all())

    async def find(
        self,
        contract_code: str,
        operators: Collection[uuid.UUID] | None,
        operator_id: uuid.UUID | None,
        year: int | None,
        page: PageRequest,
        party: str | None = None,
    ) -> tuple[list[ConventionRow], int]:
        query = select(ConventionRow).where(ConventionRow.contract_code == contract_code)
        if operators is not None:
            query = query.where(ConventionRow.operator_id.in_(list(operators)))
        if party is not None:
            query = query.where(self._has_party(party))
        if operator_id is not None:
            query = query.where(ConventionRow.operator_id == operator_id)
        if year is not None:
            query = query.where(ConventionRow.first_year <= year, ConventionRow.last_year >= year)
        ordered = query.order_by(ConventionRow.first_year.desc(), ConventionRow.reference, ConventionRow.convention_id)
        return await fetch_page(self.session, ordered, page)

    async def of_operator(self, contract_code: str, operator_id: uuid.UUID) -> list[Convention]:
        query = select(ConventionRow).where(
            ConventionRow.contract_code == contract_code, ConventionRow.operator_id == operator_id
        )
        return [convention_of(row) for row in await self._all(query.order_by(ConventionRow.first_year))]

    async def amounts(self, convention_ids: Collection[uuid.UUID]) -> list[ConventionAmountRow]:
        query = select(ConventionAmountRow).where(ConventionAmountRow.convention_id.in_(list(convention_ids)))
        return await self._all(query.order_by(ConventionAmountRow.year, ConventionAmountRow.institution_id))

    async def replace_amounts(self, convention_id: uuid.UUID, amounts: Collection[YearAmount]) -> None:
        await self.session.execute(
            delete(ConventionAmountRow).where(ConventionAmountRow.convention_id == convention_id)
        )
        await self.add_amounts(convention_id, amounts)

    async def add_amounts(self, convention_id: uuid.UUID, amounts: Collection[YearAmount]) -> None:
        await self.add(
            *(
                ConventionAmountRow(
                    convention_id=convention_id,
                    year=amount.year,
                    institution_id=amount.institution_id,
                    amount_cents=amount.amount_cents,
                )
                for amount in amounts
            )
        )

    async def applications(self, convention_ids: Collection[uuid.UUID]) -> list[ConventionApplicationRow]:
        query = select(ConventionApplicationRow).where(ConventionApplicationRow.convention_id.in_(list(convention_ids)))
        return await self._all(query.order_by(ConventionApplicationRow.year))

    async def carrying(self, application_id: uuid.UUID) -> ConventionApplicationRow | None:
        query = select(ConventionApplicationRow).where(ConventionApplicationRow.application_id == application_id)
        return await self._one(query)

    async def indicators(self, convention_id: uuid.UUID) -> list[TrackedIndicator]:
        """The convention's indicators in their order, with the values declared (by year)."""
        query = select(IndicatorRow).where(IndicatorRow.convention_id == convention_id)
        rows = await self._all(query.order_by(IndicatorRow.position))
        values: dict[uuid.UUID, list[DeclaredValue]] = {row.indicator_id: [] for row in rows}
        if values:
            declared = select(IndicatorValueRow).where(IndicatorValueRow.indicator_id.in_(list(values)))
            for value in await self._all(declared.order_by(IndicatorValueRow.year)):
                values[value.indicator_id].append(DeclaredValue(value.year, value.value, value.source))
        return [TrackedIndicator(row.indicator_id, indicator_of(row), values[row.indicator_id]) for row in rows]

    async def replace_indicators(self, convention_id: uuid.UUID, indicators: list[Indicator]) -> None:
        """Indicators kept by code keep their values; a removed code loses its values."""
        kept = {item.code for item in indicators}
        await self.session.execute(
            delete(IndicatorRow).where(IndicatorRow.convention_id == convention_id, IndicatorRow.code.not_in(kept))
        )
        query = select(IndicatorRow).where(IndicatorRow.convention_id == convention_id)
        existing = {row.code: row for row in await self._all(query)}
        for position, item in enumerate(indicators):
            targets = {str(year): str(value) for year, value in sorted(item.targets.items())}
            stored = existing.get(item.code)
            if stored is None:
                self.session.add(
                    IndicatorRow(
                        indicator_id=uuid.uuid4(),
                        convention_id=convention_id,
                        position=position,
                        code=item.code,
                        label=item.label,
                        unit=item.unit,
                        baseline=item.baseline,
                        targets=targets,
                    )
                )
            else:
                stored.position, stored.label, stored.unit = position, item.label, item.unit
                stored.baseline, stored.targets = item.baseline, targets
        await self.session.flush()

    async def set_indicator_value(self, row: IndicatorValueRow) -> None:
        await self.session.merge(row)
        await self.session.flush()

    async def events(self, convention_id: uuid.UUID) -> list[ConventionEvent]:
        query = select(ConventionEventRow).where(ConventionEventRow.convention_id == convention_id)
        return [event_of(row) for row in await self._all(query.order_by(ConventionEventRow.at))]

    async def voted_years(
        self, contract_code: str, institution_ids: Collection[uuid.UUID]
    ) -> set[tuple[int, uuid.UUID]]:
        """(year, financer) pairs whose envelope exists in one of the contract's calls: credits voted."""
        query = (
            select(CallRow.year, EnvelopeRow.institution_id)
            .join(EnvelopeRow, EnvelopeRow.call_id == CallRow.call_id)
            .where(CallRow.contract_code == contract_code, EnvelopeRow.institution_id.in_(list(institution_ids)))
        )
        return {(row.year, row.institution_id) for row in (await self.session.execute(query)).all()}

    async def signed_covering(
        self, operator_id: uuid.UUID, year: int, institution_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        """The financers among `institution_ids` with a signed convention of the operator for `year`."""
        query = (
            select(ConventionAmountRow.institution_id)
            .join(ConventionRow, ConventionRow.convention_id == ConventionAmountRow.convention_id)
            .where(
                ConventionRow.operator_id == operator_id,
                ConventionRow.status == ConventionStatus.SIGNED.value,
                ConventionAmountRow.year == year,
                ConventionAmountRow.institution_id.in_(list(institution_ids)),
            )
        )
        return set((await self.session.execute(query)).scalars().all())
