"""The connected programmes' queries, and the call's figures of a programme funded through the call (the
programmation's own totals of the call's scheme: one computation, never a copy)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import any_, literal, or_, select

from kit.pagination import PageRequest, fetch_page
from services.grants.applications.domain.workflow import State
from services.grants.calls.models import CallRow
from services.grants.persistence import Repository
from services.grants.programmation.domain.tables import ProgrammationFilter
from services.grants.programmation.repository.views import ProgrammationViews
from services.grants.programmes.domain.programme import (
    AxisFigures,
    CallFigures,
    Measure,
    Programme,
    ProgrammeKind,
    Source,
    TfpbAxis,
    YearFigures,
)
from services.grants.programmes.models import ProgrammeRow, ProgrammeYearRow


def programme_of(row: ProgrammeRow) -> Programme:
    return Programme(
        programme_id=row.programme_id,
        contract_code=row.contract_code,
        kind=ProgrammeKind(row.kind),
        nom=row.nom,
        qpv_codes=tuple(row.qpv_codes),
        start_year=row.start_year,
        end_year=row.end_year,
        source=Source(row.source_document, row.source_date),
        landlord=row.landlord,
        carrier=row.carrier,
        scheme=row.scheme,
        fictitious=row.is_fictitious,
        version=row.version,
    )


def programme_columns(programme: Programme) -> dict[str, Any]:
    return {
        "programme_id": programme.programme_id,
        "contract_code": programme.contract_code,
        "kind": programme.kind.value,
        "nom": programme.nom,
        "qpv_codes": sorted(set(programme.qpv_codes)),
        "start_year": programme.start_year,
        "end_year": programme.end_year,
        "landlord": programme.landlord,
        "carrier": programme.carrier,
        "scheme": programme.scheme,
        "source_document": programme.source.document,
        "source_date": programme.source.dated,
        "is_fictitious": programme.fictitious,
        "version": programme.version,
    }


def figures_of(row: ProgrammeYearRow) -> YearFigures:
    return YearFigures(
        year=row.year,
        source=Source(row.source_document, row.source_date),
        amount_cents=row.amount_cents,
        realised_cents=row.realised_cents,
        measures=tuple((Measure(item["measure"]), int(item["value"])) for item in row.measures),
        axes=tuple(
            AxisFigures(
                axis=TfpbAxis(item["axis"]),
                planned_cents=int(item["plannedCents"]),
                realised_cents=None if item["realisedCents"] is None else int(item["realisedCents"]),
                actions=tuple(item["actions"]),
            )
            for item in row.axes
        ),
        fictitious=row.is_fictitious,
    )


def year_columns(programme_id: uuid.UUID, figures: YearFigures) -> dict[str, Any]:
    return {
        "programme_id": programme_id,
        "year": figures.year,
        "amount_cents": figures.amount_cents,
        "realised_cents": figures.realised_cents,
        "measures": [{"measure": measure.value, "value": value} for measure, value in figures.measures],
        "axes": [
            {
                "axis": axis.axis.value,
                "plannedCents": axis.planned_cents,
                "realisedCents": axis.realised_cents,
                "actions": list(axis.actions),
            }
            for axis in figures.axes
        ],
        "source_document": figures.source.document,
        "source_date": figures.source.dated,
        "is_fictitious": figures.fictitious,
    }


class ProgrammeRepository(Repository):
    async def page(
        self, contract_code: str, year: int | None, qpv: str | None, kind: str | None, page: PageRequest
    ) -> tuple[list[ProgrammeRow], int]:
        """A contract's programmes by kind and name; narrowed to those running in a year, on a QPV, of a kind."""
        query = self._chosen(contract_code, year, qpv, kind)
        ordered = query.order_by(ProgrammeRow.kind, ProgrammeRow.nom, ProgrammeRow.programme_id)
        return await fetch_page(self.session, ordered, page)

    async def running_in(self, contract_code: str, year: int) -> list[ProgrammeRow]:
        query = self._chosen(contract_code, year, None, None)
        return await self._all(query.order_by(ProgrammeRow.kind, ProgrammeRow.nom, ProgrammeRow.programme_id))

    @staticmethod
    def _chosen(contract_code: str, year: int | None, qpv: str | None, kind: str | None) -> Any:
        query = select(ProgrammeRow).where(ProgrammeRow.contract_code == contract_code)
        if year is not None:
            query = query.where(
                ProgrammeRow.start_year <= year, or_(ProgrammeRow.end_year.is_(None), ProgrammeRow.end_year >= year)
            )
        if qpv is not None:
            query = query.where(literal(qpv) == any_(ProgrammeRow.qpv_codes))
        if kind is not None:
            query = query.where(ProgrammeRow.kind == kind)
        return query

    async def get(self, programme_id: uuid.UUID, *, for_update: bool = False) -> ProgrammeRow | None:
        return await self._one(
            select(ProgrammeRow).where(ProgrammeRow.programme_id == programme_id), for_update=for_update
        )

    async def of_kind(self, contract_code: str, kind: str) -> list[ProgrammeRow]:
        query = select(ProgrammeRow).where(ProgrammeRow.contract_code == contract_code, ProgrammeRow.kind == kind)
        return await self._all(query)

    async def years(
        self, programme_ids: list[uuid.UUID], year: int | None = None
    ) -> dict[uuid.UUID, list[YearFigures]]:
        """The declared figures of these programmes (of one year, when given), by programme, in year order."""
        found: dict[uuid.UUID, list[YearFigures]] = {programme_id: [] for programme_id in programme_ids}
        if not programme_ids:
            return found
        query = select(ProgrammeYearRow).where(ProgrammeYearRow.programme_id.in_(programme_ids))
        if year is not None:
            query = query.where(ProgrammeYearRow.year == year)
        for row in await self._all(query.order_by(ProgrammeYearRow.programme_id, ProgrammeYearRow.year)):
            found[row.programme_id].append(figures_of(row))
        return found

    async def year(self, programme_id: uuid.UUID, year: int) -> ProgrammeYearRow | None:
        return await self.session.get(ProgrammeYearRow, (programme_id, year))

    async def save_year(self, kept: ProgrammeYearRow | None, columns: dict[str, Any]) -> None:
        """A year's figures, new or in place of those `kept`."""
        if kept is None:
            await self.add(ProgrammeYearRow(**columns))
            return
        for name, value in columns.items():
            setattr(kept, name, value)
        await self.session.flush()

    async def scheme_calls(self, contract_code: str, scheme: str) -> list[CallRow]:
        """The contract's calls in a scheme, by year."""
        query = select(CallRow).where(CallRow.contract_code == contract_code, CallRow.scheme == scheme)
        return await self._all(query.order_by(CallRow.year))

    async def call_schemes(self, contract_code: str) -> set[str]:
        query = select(CallRow.scheme).where(CallRow.contract_code == contract_code).distinct()
        return set((await self.session.execute(query)).scalars().all())

    async def call_figures(self, call: CallRow) -> CallFigures:
        """The call's notified decisions in its scheme, as the programmation's totals count them."""
        chosen = ProgrammationFilter(
            contract_code=call.contract_code, year=call.year, scheme=call.scheme, state=State.NOTIFIED.value
        )
        totals = await ProgrammationViews(self.session).totals(chosen)
        decided = sum(total.decided_cents for total in totals.by_year)
        return CallFigures(
            year=call.year,
            call_id=call.call_id,
            scheme=call.scheme,
            call_title=call.title,
            notified_on=call.notification_target_on,
            applications=totals.applications,
            funded_actions=totals.funded_actions,
            decided_cents=decided,
            expected_beneficiaries=totals.expected_beneficiaries,
            by_qpv=tuple((str(total.key), total.applications, total.decided_cents) for total in totals.by_qpv),
        )
