"""The reports of a notified year: the financial report (CERFA 15059) and the activity report, with the
counts of its located beneficiaries; written by the operator, again after they were returned, reviewed by
the instructors; the financial reports overdue."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any, TypeVar

from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import Application
from services.grants.applications.domain.workflow import State
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.use_cases.access import APPLICATIONS, application_for
from services.grants.clients.territories import ClassifiedPoint
from services.grants.errors import NotEditableError, NotFoundError
from services.grants.institutions.repository import InstitutionRepository
from services.grants.operators.domain import own_organisations
from services.grants.reports.domain import (
    ActivityReport,
    ActivityReportView,
    ActualLine,
    FinancialReport,
    OverdueReport,
    ReportKind,
    ReportReview,
    ReportStatus,
    check_beneficiaries,
    check_report,
    check_reviewer,
    check_writer,
    count_located,
    gaps,
    last_year_due_before,
    resubmitted,
    reviewed,
)
from services.grants.reports.models import ActivityReportRow, FinancialReportRow
from services.grants.reports.repository import (
    ReportRepository,
    activity_of,
    actual_lines,
    located_document,
    located_of,
    status_of,
    stored_lines,
)

Classifier = Callable[[], Awaitable[list[ClassifiedPoint]]]
Report = FinancialReportRow | ActivityReportRow
R = TypeVar("R", FinancialReportRow, ActivityReportRow)


def report_etag(application_id: uuid.UUID, kind: ReportKind, version: int) -> str:
    """A report's ETag: its version (0 while `missing`, which is a representation too)."""
    slug = "financial-report" if kind is ReportKind.FINANCIAL else "activity-report"
    return etag_of(f"{application_id}/{slug}", version)


def _version(report: Report | None) -> int:
    return 0 if report is None else report.version


async def _financial(uow: UnitOfWork, application: Application, report: FinancialReportRow | None) -> FinancialReport:
    lines = actual_lines(report)
    planned = await ApplicationRepository(uow.session).budget(application.application_id)
    return FinancialReport(
        application_id=application.application_id,
        year=application.year,
        status=status_of(report),
        lines=lines,
        gaps=gaps(planned, lines),
        review_comment=None if report is None else report.review_comment,
        version=_version(report),
    )


def _activity(application: Application, report: ActivityReportRow | None) -> ActivityReportView:
    return ActivityReportView(
        application_id=application.application_id,
        year=application.year,
        status=status_of(report),
        content=None if report is None else activity_of(report),
        located=None if report is None else located_of(report.located),
        review_comment=None if report is None else report.review_comment,
        version=_version(report),
    )


async def _writable(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, kind: ReportKind) -> Application:
    """The application, locked, if its decision is notified: a report follows it."""
    application = await application_for(uow, actor, application_id, for_update=True)
    if application.state is not State.NOTIFIED:
        article = "a" if kind is ReportKind.FINANCIAL else "an"
        raise NotEditableError(f"{article} {kind.value.replace('_', ' ')} follows a notified decision")
    return application


async def _submitted(
    uow: UnitOfWork,
    actor: Principal,
    kind: ReportKind,
    report: R | None,
    new: Callable[[], R],
    content: dict[str, Any],
    audit: Callable[[R], dict[str, Any]],
) -> R:
    """The report written anew (or for the first time, as `new()`) with `content`, submitted and audited."""
    before = None if report is None else audit(report)
    written = new() if report is None else report
    for name, value in content.items():
        setattr(written, name, value)
    written.status = ReportStatus.SUBMITTED.value
    written.submitted_at = uow.now()
    written.version = 1 if report is None else written.version + 1
    if report is None:
        await ReportRepository(uow.session).add(written)
    await APPLICATIONS.changed(
        uow, actor, str(written.application_id), action=f"{kind.value}.submitted", before=before, after=audit(written)
    )
    return written


def _financial_audit(report: FinancialReportRow) -> dict[str, Any]:
    return {"status": report.status, "version": report.version, "lines": report.lines}


def _activity_audit(report: ActivityReportRow) -> dict[str, Any]:
    return {
        "status": report.status,
        "version": report.version,
        "summary": report.summary,
        "results": report.results,
        "difficulties": report.difficulties,
        "outlook": report.outlook,
        "beneficiaries": report.beneficiaries,
    }


async def submit_report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, lines: Sequence[ActualLine]
) -> FinancialReport:
    """The operator's report, again after it was returned; an accepted report is final."""
    kind = ReportKind.FINANCIAL
    check_writer(actor, kind)
    async with uow:
        application = await _writable(uow, actor, application_id, kind)
        institutions = await InstitutionRepository(uow.session).of_contract(application.contract_code)
        names = {key: item.nom for key, item in institutions.items()}
        check_report(await ApplicationRepository(uow.session).budget(application_id), lines, names)
        report = await ReportRepository(uow.session).financial(application_id, for_update=True)
        uow.check_precondition(report_etag(application_id, kind, _version(report)))
        resubmitted(status_of(report))
        content = {"lines": stored_lines(lines)}

        def new() -> FinancialReportRow:
            return FinancialReportRow(application_id=application_id)

        stored = await _submitted(uow, actor, kind, report, new, content, _financial_audit)
        view = await _financial(uow, application, stored)
        await uow.commit()
    return view


async def submit_activity_report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, written: ActivityReport
) -> ActivityReportView:
    """The operator's report, again after it was returned; the located counts already sent are kept."""
    kind = ReportKind.ACTIVITY
    check_writer(actor, kind)
    check_beneficiaries(written.beneficiaries)
    async with uow:
        application = await _writable(uow, actor, application_id, kind)
        report = await ReportRepository(uow.session).activity(application_id, for_update=True)
        uow.check_precondition(report_etag(application_id, kind, _version(report)))
        resubmitted(status_of(report))
        content = {**asdict(written), "beneficiaries": asdict(written.beneficiaries)}

        def new() -> ActivityReportRow:
            return ActivityReportRow(application_id=application_id, located=None)

        stored = await _submitted(uow, actor, kind, report, new, content, _activity_audit)
        view = _activity(application, stored)
        await uow.commit()
    return view


async def record_located(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, classify: Classifier
) -> ActivityReportView:
    """Counts of the beneficiaries' coordinates the operator uploads, classified by territories; the
    points themselves are never stored. Checked before the upload is classified, stored after."""
    kind = ReportKind.ACTIVITY
    check_writer(actor, kind)
    async with uow.reading():
        await _writable(uow, actor, application_id, kind)
        present = await ReportRepository(uow.session).activity(application_id)
        if present is None:
            raise NotEditableError("write the activity report before adding located beneficiaries")
        resubmitted(ReportStatus(present.status))
    located = count_located(await classify())
    async with uow:
        application = await _writable(uow, actor, application_id, kind)
        report = await ReportRepository(uow.session).activity(application_id, for_update=True)
        if report is None:  # removed meanwhile with its application
            raise NotFoundError("activity report", str(application_id))
        resubmitted(ReportStatus(report.status))
        report.located = located_document(located)
        report.version += 1
        await APPLICATIONS.created(
            uow,
            actor,
            str(application_id),
            action="activity_report.located",
            after={"points": located.points, "inQpv": located.in_qpv, "refused": located.refused},
        )
        view = _activity(application, report)
        await uow.commit()
    return view


async def _reviewed(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    kind: ReportKind,
    locked: Callable[[], Awaitable[R | None]],
    review: ReportReview,
    comment: str | None,
) -> tuple[Application, R]:
    """The instructors' review of either report of an application (`locked` reads it once the application
    is locked), kept in the ledger."""
    application = await application_for(uow, actor, application_id, for_update=True)
    report = await locked()
    check_reviewer(actor, kind)
    if report is None:
        raise NotFoundError("report", str(application_id))
    before = report.status
    report.status = reviewed(ReportStatus(report.status), review, comment).value
    report.reviewed_by = actor.subject
    report.review_comment = comment
    report.version += 1
    await APPLICATIONS.changed(
        uow,
        actor,
        str(application_id),
        action=f"{kind.value}.{review.value}",
        before={"status": before},
        after={"status": report.status},
        reason=comment,
    )
    return application, report


async def review_report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, review: ReportReview, comment: str | None
) -> FinancialReport:
    async with uow:
        repository = ReportRepository(uow.session)

        async def locked() -> FinancialReportRow | None:
            return await repository.financial(application_id, for_update=True)

        application, report = await _reviewed(uow, actor, application_id, ReportKind.FINANCIAL, locked, review, comment)
        view = await _financial(uow, application, report)
        await uow.commit()
    return view


async def review_activity_report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, review: ReportReview, comment: str | None
) -> ActivityReportView:
    async with uow:
        repository = ReportRepository(uow.session)

        async def locked() -> ActivityReportRow | None:
            return await repository.activity(application_id, for_update=True)

        application, report = await _reviewed(uow, actor, application_id, ReportKind.ACTIVITY, locked, review, comment)
        view = _activity(application, report)
        await uow.commit()
    return view


async def get_report(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> FinancialReport:
    async with uow.reading():
        application = await application_for(uow, actor, application_id)
        return await _financial(uow, application, await ReportRepository(uow.session).financial(application_id))


async def get_activity_report(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> ActivityReportView:
    async with uow.reading():
        application = await application_for(uow, actor, application_id)
        return _activity(application, await ReportRepository(uow.session).activity(application_id))


async def overdue_reports(
    uow: UnitOfWork, actor: Principal, contract_code: str, page: PageRequest, on: date | None = None
) -> tuple[list[OverdueReport], int]:
    """The contract's financial reports past due on `on` (today by default) and missing or returned (an
    operator's users: their own), a page of them and how many in all."""
    if not actor.works_on(contract_code):
        return [], 0
    day = on or uow.today()
    async with uow.reading():
        return await ReportRepository(uow.session).overdue_page(
            contract_code, own_organisations(actor), last_year_due_before(day), page
        )


async def announce_overdue(uow: UnitOfWork, actor: Principal) -> int:
    """Announce (`report.overdue`) the financial reports overdue today and not announced yet, each once, of
    every contract; how many. Called daily by the gateway's scheduled job: a second run announces nothing."""
    async with uow:
        repository = ReportRepository(uow.session)
        newly = await repository.overdue_not_announced(last_year_due_before(uow.today()))
        for report in newly:
            repository.announced(report, uow.now())
            await APPLICATIONS.changed(
                uow,
                actor,
                str(report.application_id),
                action="financial_report.overdue",
                before={"status": report.status, "announcedOverdue": False},
                after={"status": report.status, "announcedOverdue": True, "dueOn": report.due_on.isoformat()},
            )
        await uow.commit()
    return len(newly)
