"""The reports' queries: an application's financial and activity reports, and the reports overdue."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, SQLColumnExpression, exists, func, literal, select

from kit.pagination import PageRequest, fetch_rows_page
from services.grants.applications.domain.application import Beneficiaries
from services.grants.applications.domain.workflow import State
from services.grants.applications.models import ApplicationRow
from services.grants.persistence import Repository
from services.grants.reports.domain import (
    ActivityReport,
    ActualLine,
    LocatedBeneficiaries,
    OverdueReport,
    ReportStatus,
)
from services.grants.reports.models import ActivityReportRow, FinancialReportRow, OverdueAnnouncementRow


def actual_lines(report: FinancialReportRow | None) -> list[ActualLine]:
    """The report's lines as stored (a 74 line's financer as text; none before reports named it)."""
    if report is None:
        return []
    return [
        ActualLine(
            **{**line, "institution_id": uuid.UUID(line["institution_id"]) if line.get("institution_id") else None}
        )
        for line in report.lines
    ]


def stored_lines(lines: Sequence[ActualLine]) -> list[dict[str, Any]]:
    return [
        {**asdict(line), "institution_id": str(line.institution_id) if line.institution_id else None} for line in lines
    ]


def activity_of(row: ActivityReportRow) -> ActivityReport:
    return ActivityReport(row.summary, row.results, row.difficulties, row.outlook, Beneficiaries(**row.beneficiaries))


def located_of(document: dict[str, Any] | None) -> LocatedBeneficiaries | None:
    """The counts as stored (with the share they gave, which they give again)."""
    if document is None:
        return None
    return LocatedBeneficiaries(
        document["points"], document["in_qpv"], document["outside"], document["refused"], document["by_qpv"]
    )


def located_document(located: LocatedBeneficiaries) -> dict[str, Any]:
    return {**asdict(located), "sharePercent": located.share_in_qpv_percent}


def status_of(report: FinancialReportRow | ActivityReportRow | None) -> ReportStatus | None:
    return None if report is None else ReportStatus(report.status)


def overdue_reports(last_year: int | SQLColumnExpression[int]) -> Select[uuid.UUID, uuid.UUID, str, int, str]:
    """Notified applications of years up to `last_year` whose financial report is missing or returned: each
    one's id, operator, title, year and that status (OverdueReport's fields), in no order."""
    status = func.coalesce(FinancialReportRow.status, "missing")
    return (
        select(
            ApplicationRow.application_id,
            ApplicationRow.operator_id,
            ApplicationRow.title,
            ApplicationRow.year,
            status,
        )
        .outerjoin(FinancialReportRow, FinancialReportRow.application_id == ApplicationRow.application_id)
        .where(
            ApplicationRow.state == State.NOTIFIED.value,
            ApplicationRow.year <= last_year,
            # Each status its own parameter (not one list expanded when sent): a statement compiled once
            # (kit/compiled_statements.py) holds this one (WriteGrounds.for_submission).
            status.in_([literal("missing"), literal(ReportStatus.RETURNED.value)]),
        )
    )


class ReportRepository(Repository):
    async def financial(self, application_id: uuid.UUID, *, for_update: bool = False) -> FinancialReportRow | None:
        query = select(FinancialReportRow).where(FinancialReportRow.application_id == application_id)
        return await self._one(query, for_update=for_update)

    async def activity(self, application_id: uuid.UUID, *, for_update: bool = False) -> ActivityReportRow | None:
        query = select(ActivityReportRow).where(ActivityReportRow.application_id == application_id)
        return await self._one(query, for_update=for_update)

    def _overdue(
        self, contract_code: str | None, operators: Collection[uuid.UUID] | None, last_year: int
    ) -> Select[uuid.UUID, uuid.UUID, str, int, str]:
        query = overdue_reports(last_year)
        if contract_code is not None:
            query = query.where(ApplicationRow.contract_code == contract_code)
        if operators is not None:
            query = query.where(ApplicationRow.operator_id.in_(list(operators)))
        return query.order_by(ApplicationRow.year, ApplicationRow.title, ApplicationRow.application_id)

    async def overdue(
        self, contract_code: str, operators: Collection[uuid.UUID] | None, last_year: int
    ) -> list[OverdueReport]:
        """Notified applications of years up to `last_year` whose financial report is missing or returned,
        with that status."""
        query = self._overdue(contract_code, operators, last_year)
        return [OverdueReport(*row) for row in (await self.session.execute(query)).all()]

    async def overdue_page(
        self, contract_code: str, operators: Collection[uuid.UUID] | None, last_year: int, page: PageRequest
    ) -> tuple[list[OverdueReport], int]:
        """A page of `overdue`, and how many there are in all."""
        rows, total = await fetch_rows_page(self.session, self._overdue(contract_code, operators, last_year), page)
        return [OverdueReport(*row) for row in rows], total

    async def overdue_not_announced(self, last_year: int) -> list[OverdueReport]:
        """`overdue` of every contract, less those already announced (locked: two runs announce each once)."""
        announced = exists().where(OverdueAnnouncementRow.application_id == ApplicationRow.application_id)
        query = self._overdue(None, None, last_year).where(~announced).with_for_update(of=ApplicationRow)
        return [OverdueReport(*row) for row in (await self.session.execute(query)).all()]

    def announced(self, report: OverdueReport, at: datetime) -> None:
        self.session.add(
            OverdueAnnouncementRow(application_id=report.application_id, year=report.year, announced_at=at)
        )
