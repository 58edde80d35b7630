"""Activity reports: the operator's account of a notified year (qualitative, actual beneficiaries, the
counts of an uploaded list of located beneficiaries), reviewed by the instructors."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from kit.auth.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.workflow import State
from services.grants.applications.models import ApplicationRow
from services.grants.applications.use_cases.access import visible_application
from services.grants.db.models import ActivityReportRow
from services.grants.db.repositories import PaymentRepository
from services.grants.domain.activity_reports import ActivityReport, LocatedBeneficiaries, check_beneficiaries
from services.grants.domain.reports import ReportReview, ReportStatus, due_on, resubmitted
from services.grants.errors import ForbiddenMoveError, NotEditableError, NotFoundError
from services.grants.operators.domain import own_organisations
from services.grants.persistence import ledger
from services.grants.use_cases.reports import record_review, report_etag

Classifier = Callable[[], Awaitable[LocatedBeneficiaries]]


@dataclass(frozen=True, slots=True)
class ActivityReportView:
    application: ApplicationRow
    report: ActivityReportRow | None

    @property
    def due_on(self) -> date:
        return due_on(self.application.year)


def _writer(actor: Principal) -> None:
    if own_organisations(actor) is None and not actor.is_platform_admin:
        raise ForbiddenMoveError("the operator writes its activity report")


async def _writable(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> ApplicationRow:
    application = await visible_application(uow, actor, application_id, for_update=True)
    if State(application.state) is not State.NOTIFIED:
        raise NotEditableError("an activity report follows a notified decision")
    return application


async def submit_activity_report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, written: ActivityReport
) -> ActivityReportView:
    """The operator's report, again after it was returned; the located counts already sent are kept."""
    _writer(actor)
    check_beneficiaries(written.beneficiaries)
    async with uow:
        application = await _writable(uow, actor, application_id)
        repository = PaymentRepository(uow.session)
        report = await repository.activity_report(application_id, for_update=True)
        uow.check_precondition(report_etag(application_id, "activity-report", report))
        resubmitted(None if report is None else ReportStatus(report.status))
        before = None if report is None else _activity_audit(report)
        content: dict[str, Any] = {
            "summary": written.summary,
            "results": written.results,
            "difficulties": written.difficulties,
            "outlook": written.outlook,
            "beneficiaries": asdict(written.beneficiaries),
        }
        if report is None:
            report = ActivityReportRow(
                application_id=application_id,
                located=None,
                status=ReportStatus.SUBMITTED.value,
                submitted_at=datetime.now(UTC),
                version=1,
                **content,
            )
            await repository.add(report)
        else:
            for name, value in content.items():
                setattr(report, name, value)
            report.status = ReportStatus.SUBMITTED.value
            report.submitted_at = datetime.now(UTC)
            report.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="activity_report.submitted",
            entity_type="application",
            entity_id=str(application_id),
            before=before,
            after=_activity_audit(report),
        )
        view = ActivityReportView(application, report)
        await uow.commit()
    return view


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


async def record_located(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, classify: Classifier
) -> ActivityReportView:
    """Counts of the beneficiaries' coordinates the operator uploads, classified by territories; the
    points themselves are never stored. Checked before the upload is classified, stored after."""
    _writer(actor)
    async with uow.reading():
        await _writable(uow, actor, application_id)
        present = await PaymentRepository(uow.session).activity_report(application_id)
        if present is None:
            raise NotEditableError("write the activity report before adding located beneficiaries")
        resubmitted(ReportStatus(present.status))
    located = await classify()
    async with uow:
        application = await _writable(uow, actor, application_id)
        report = await PaymentRepository(uow.session).activity_report(application_id, for_update=True)
        if report is None:  # removed meanwhile with its application
            raise NotFoundError("activity report", str(application_id))
        resubmitted(ReportStatus(report.status))
        report.located = {**asdict(located), "sharePercent": located.share_in_qpv_percent}
        report.version += 1
        await ledger.created(
            uow.session,
            actor,
            action="activity_report.located",
            entity_type="application",
            entity_id=str(application_id),
            after={"points": located.points, "inQpv": located.in_qpv, "refused": located.refused},
        )
        view = ActivityReportView(application, report)
        await uow.commit()
    return view


async def review_activity_report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, review: ReportReview, comment: str | None
) -> ActivityReportView:
    async with uow:
        application = await visible_application(uow, actor, application_id, for_update=True)
        report = await PaymentRepository(uow.session).activity_report(application_id, for_update=True)
        await record_review(uow, actor, application_id, report, review, comment)
        view = ActivityReportView(application, report)
        await uow.commit()
    return view


async def get_activity_report(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> ActivityReportView:
    async with uow.reading():
        application = await visible_application(uow, actor, application_id)
        return ActivityReportView(application, await PaymentRepository(uow.session).activity_report(application_id))
