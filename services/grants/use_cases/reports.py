"""Financial reports (CERFA 15059): written by the operator once the decision is notified, reviewed by the
instructors; overdue ones listed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from kit.auth.principal import Principal
from kit.etags import etag_of
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.budget import BudgetLine
from services.grants.applications.domain.workflow import State
from services.grants.applications.models import ApplicationRow
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.use_cases.access import visible_application
from services.grants.db.models import ActivityReportRow, FinancialReportRow
from services.grants.db.repositories import PaymentRepository
from services.grants.domain.reports import (
    ActualLine,
    ReportReview,
    ReportStatus,
    check_report,
    due_on,
    gaps,
    resubmitted,
    reviewed,
)
from services.grants.errors import ForbiddenMoveError, NotEditableError, NotFoundError
from services.grants.operators.domain import own_organisations
from services.grants.persistence import ledger
from services.grants.roles import INSTRUCTORS


@dataclass(frozen=True, slots=True)
class ReportView:
    application: ApplicationRow
    report: FinancialReportRow | None
    gaps: dict[str, tuple[int, int]]

    @property
    def due_on(self) -> date:
        return due_on(self.application.year)


def _lines(report: FinancialReportRow | None) -> list[ActualLine]:
    return [ActualLine(**line) for line in report.lines] if report is not None else []


async def _planned(uow: UnitOfWork, application_id: uuid.UUID) -> list[BudgetLine]:
    return [
        BudgetLine(
            account=row.account, label=row.label, amount_cents=row.amount_cents, institution_id=row.institution_id
        )
        for row in await ApplicationRepository(uow.session).budget(application_id)
    ]


def report_etag(application_id: uuid.UUID, kind: str, report: FinancialReportRow | ActivityReportRow | None) -> str:
    """A report's ETag: its version (0 while `missing`, which is a representation too)."""
    return etag_of(f"{application_id}/{kind}", report.version if report is not None else 0)


def _financial_audit(report: FinancialReportRow | None) -> dict[str, object] | None:
    if report is None:
        return None
    return {"status": report.status, "version": report.version, "lines": report.lines}


async def submit_report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, lines: Sequence[ActualLine]
) -> ReportView:
    """The operator's report, again after it was returned; an accepted report is final."""
    if own_organisations(actor) is None and not actor.is_platform_admin:
        raise ForbiddenMoveError("the operator writes its financial report")
    async with uow:
        application = await visible_application(uow, actor, application_id, for_update=True)
        if State(application.state) is not State.NOTIFIED:
            raise NotEditableError("a financial report follows a notified decision")
        planned = await _planned(uow, application_id)
        check_report(planned, lines)
        repository = PaymentRepository(uow.session)
        report = await repository.report(application_id, for_update=True)
        uow.check_precondition(report_etag(application_id, "financial-report", report))
        resubmitted(None if report is None else ReportStatus(report.status))
        before = _financial_audit(report)
        stored = [asdict(line) for line in lines]
        if report is None:
            report = FinancialReportRow(
                application_id=application_id,
                lines=stored,
                status=ReportStatus.SUBMITTED.value,
                submitted_at=datetime.now(UTC),
                version=1,
            )
            await repository.add(report)
        else:
            report.lines = stored
            report.status = ReportStatus.SUBMITTED.value
            report.submitted_at = datetime.now(UTC)
            report.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="financial_report.submitted",
            entity_type="application",
            entity_id=str(application_id),
            before=before,
            after=_financial_audit(report),
        )
        view = ReportView(application, report, gaps(planned, lines))
        await uow.commit()
    return view


async def record_review(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    report: FinancialReportRow | ActivityReportRow | None,
    review: ReportReview,
    comment: str | None,
) -> None:
    """The instructors' review of either report of an application, kept in the ledger."""
    kind = "financial_report" if isinstance(report, FinancialReportRow) else "activity_report"
    if not actor.roles & INSTRUCTORS:
        raise ForbiddenMoveError(f"the instructors review {kind.replace('_', ' ')}s")
    if report is None:
        raise NotFoundError("report", str(application_id))
    before = report.status
    report.status = reviewed(ReportStatus(report.status), review, comment).value
    report.reviewed_by = actor.subject
    report.review_comment = comment
    report.version += 1
    await ledger.changed(
        uow.session,
        actor,
        action=f"{kind}.{review.value}",
        entity_type="application",
        entity_id=str(application_id),
        before={"status": before},
        after={"status": report.status},
        reason=comment,
    )


async def review_report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, review: ReportReview, comment: str | None
) -> ReportView:
    async with uow:
        application = await visible_application(uow, actor, application_id, for_update=True)
        report = await PaymentRepository(uow.session).report(application_id, for_update=True)
        await record_review(uow, actor, application_id, report, review, comment)
        view = ReportView(application, report, gaps(await _planned(uow, application_id), _lines(report)))
        await uow.commit()
    return view


async def overdue_reports(
    uow: UnitOfWork, actor: Principal, contract_code: str, on: date
) -> list[tuple[ApplicationRow, str]]:
    """The contract's financial reports past due and missing or returned (an operator's users: their own)."""
    if not actor.works_on(contract_code):
        return []
    async with uow.reading():
        return await PaymentRepository(uow.session).overdue_reports(contract_code, own_organisations(actor), on)


async def get_report(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> ReportView:
    async with uow.reading():
        application = await visible_application(uow, actor, application_id)
        report = await PaymentRepository(uow.session).report(application_id)
        return ReportView(application, report, gaps(await _planned(uow, application_id), _lines(report)))
