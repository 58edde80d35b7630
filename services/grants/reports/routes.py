"""HTTP routes of the reports: the financial report (CERFA 15059) and the activity report, written by the
operator and reviewed by the instructors."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, Query, Request, Response

from identity.principal import Principal
from kit.api_models import IsoDate
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.applications.domain.application import Beneficiaries
from services.grants.clients.territories import ClassifiedPoint, PointClassifier, request_point_classifier
from services.grants.policies import READ_GRANTS, REPORT, REVIEW_REPORTS, SCHEDULED_JOBS
from services.grants.reports import use_cases as reports
from services.grants.reports.domain import (
    ActivityReport,
    ActivityReportView,
    ActualLine,
    FinancialReport,
    ReportKind,
    ReportReview,
)
from services.grants.reports.schemas import (
    AccountGapRead,
    ActivityReportInput,
    ActivityReportRead,
    ActualLineRead,
    FinancialReportInput,
    FinancialReportRead,
    LocatedBeneficiariesRead,
    OverdueAnnouncementsRead,
    OverdueReportRead,
    ReportReviewInput,
)
from services.grants.schemas import BeneficiariesRead, ContractCode, cents_of

router = platform_router(["reports"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]

POINTS_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {"type": "string", "description": "Header id,lat,lon (',' or ';'), one beneficiary a line"}
        }
    },
}


def _answer(view: FinancialReport, response: Response) -> FinancialReportRead:
    response.headers["ETag"] = reports.report_etag(view.application_id, ReportKind.FINANCIAL, view.version)
    return present(view)


def present(view: FinancialReport) -> FinancialReportRead:
    return FinancialReportRead(
        application_id=view.application_id,
        due_on=view.due_on,
        status="missing" if view.status is None else view.status.value,
        lines=[
            ActualLineRead(
                account=line.account,
                label=line.label,
                amount=euros(line.amount_cents),
                explanation=line.explanation,
                institution_id=line.institution_id,
            )
            for line in view.lines
        ],
        gaps=[
            AccountGapRead(account=account, institution_id=financer, planned=euros(planned), actual=euros(actual))
            for (account, financer), (planned, actual) in view.gaps.items()
        ],
        review_comment=view.review_comment,
    )


@router.put(
    "/applications/{application_id}/financial-report",
    operation_id="submit_financial_report",
    response_model=FinancialReportRead,
)
async def submit_financial_report(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    body: FinancialReportInput,
    principal: Annotated[Principal, Depends(authorize(REPORT))],
) -> FinancialReportRead:
    """The actual budget by the CERFA accounts, each gap of more than 15 % of an account explained; again
    after it was returned."""
    lines = [
        ActualLine(
            account=line.account,
            label=line.label,
            amount_cents=cents_of(line.amount, f"lines/{index}/amount"),
            explanation=line.explanation,
            institution_id=line.institution_id,
        )
        for index, line in enumerate(body.lines)
    ]
    return _answer(await reports.submit_report(uow, principal, application_id, lines), response)


@router.get(
    "/applications/{application_id}/financial-report",
    operation_id="get_financial_report",
    response_model=FinancialReportRead,
)
async def get_financial_report(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> FinancialReportRead:
    """The report (status `missing` until written), its due date and the gaps per account."""
    return _answer(await reports.get_report(uow, principal, application_id), response)


@router.post(
    "/applications/{application_id}/financial-report/review",
    operation_id="review_financial_report",
    response_model=FinancialReportRead,
)
async def review_financial_report(
    uow: Uow,
    application_id: uuid.UUID,
    body: ReportReviewInput,
    principal: Annotated[Principal, Depends(authorize(REVIEW_REPORTS))],
) -> FinancialReportRead:
    """accept, or return with what to correct."""
    view = await reports.review_report(uow, principal, application_id, ReportReview(body.decision), body.comment)
    return present(view)


@router.get("/financial-reports/overdue", operation_id="list_overdue_reports", response_model=Page[OverdueReportRead])
async def list_overdue_reports(
    uow: Uow,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    page: Annotated[PageRequest, Depends(page_request)],
    on: Annotated[IsoDate | None, Query(description="The day to judge on; today by default")] = None,
) -> Page[OverdueReportRead]:
    """Financial reports past their due date (30 June of the next year) and missing or returned."""
    overdue, total = await reports.overdue_reports(uow, principal, contract_code, page, on)
    items = [
        OverdueReportRead(
            application_id=report.application_id,
            operator_id=report.operator_id,
            title=report.title,
            year=report.year,
            due_on=report.due_on,
            status=report.status,
        )
        for report in overdue
    ]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/internal/overdue-report-announcements", operation_id="announce_overdue_reports", include_in_schema=False)
async def announce_overdue_reports(
    uow: Uow, principal: Annotated[Principal, Depends(authorize(SCHEDULED_JOBS))]
) -> OverdueAnnouncementsRead:
    """Internal, called daily by the gateway's job worker: announce the financial reports newly overdue, once."""
    return OverdueAnnouncementsRead(announced=await reports.announce_overdue(uow, principal))


def _activity_answer(view: ActivityReportView, response: Response) -> ActivityReportRead:
    response.headers["ETag"] = reports.report_etag(view.application_id, ReportKind.ACTIVITY, view.version)
    return present_activity(view)


def present_activity(view: ActivityReportView) -> ActivityReportRead:
    content, located = view.content, view.located
    return ActivityReportRead(
        application_id=view.application_id,
        due_on=view.due_on,
        status="missing" if view.status is None else view.status.value,
        summary=None if content is None else content.summary,
        results=None if content is None else content.results,
        difficulties=None if content is None else content.difficulties,
        outlook=None if content is None else content.outlook,
        beneficiaries=None if content is None else BeneficiariesRead.model_validate(asdict(content.beneficiaries)),
        located=None
        if located is None
        else LocatedBeneficiariesRead(
            points=located.points,
            in_qpv=located.in_qpv,
            outside=located.outside,
            refused=located.refused,
            by_qpv=dict(located.by_qpv),
            share_in_qpv_percent=located.share_in_qpv_percent,
        ),
        review_comment=view.review_comment,
    )


@router.put(
    "/applications/{application_id}/activity-report",
    operation_id="submit_activity_report",
    response_model=ActivityReportRead,
)
async def submit_activity_report(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    body: ActivityReportInput,
    principal: Annotated[Principal, Depends(authorize(REPORT))],
) -> ActivityReportRead:
    """The qualitative report and the actual beneficiaries of a notified year; again after it was returned."""
    counted = body.beneficiaries
    written = ActivityReport(
        summary=body.summary,
        results=body.results,
        difficulties=body.difficulties,
        outlook=body.outlook,
        beneficiaries=Beneficiaries(
            total=counted.total,
            women=counted.women,
            men=counted.men,
            age_bands=dict(counted.age_bands),
            share_in_qpv_percent=counted.share_in_qpv_percent,
        ),
    )
    view = await reports.submit_activity_report(uow, principal, application_id, written)
    return _activity_answer(view, response)


@router.post(
    "/applications/{application_id}/activity-report/located-beneficiaries",
    operation_id="locate_beneficiaries",
    response_model=ActivityReportRead,
    openapi_extra={"requestBody": POINTS_BODY},
)
async def locate_beneficiaries(
    uow: Uow,
    request: Request,
    application_id: uuid.UUID,
    classifier: Annotated[PointClassifier, Depends(request_point_classifier)],
    principal: Annotated[Principal, Depends(authorize(REPORT))],
) -> ActivityReportRead:
    """The beneficiaries' coordinates (already geocoded), classified by the territories service: only the
    counts (in QPV per code, outside, refused lines) are kept, never a point."""
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()

    async def classify() -> list[ClassifiedPoint]:
        return await classifier.classify(body, media_type, request.headers.get("authorization", ""))

    return present_activity(await reports.record_located(uow, principal, application_id, classify))


@router.get(
    "/applications/{application_id}/activity-report",
    operation_id="get_activity_report",
    response_model=ActivityReportRead,
)
async def get_activity_report(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> ActivityReportRead:
    """The report (status `missing` until written) and its due date."""
    return _activity_answer(await reports.get_activity_report(uow, principal, application_id), response)


@router.post(
    "/applications/{application_id}/activity-report/review",
    operation_id="review_activity_report",
    response_model=ActivityReportRead,
)
async def review_activity_report(
    uow: Uow,
    application_id: uuid.UUID,
    body: ReportReviewInput,
    principal: Annotated[Principal, Depends(authorize(REVIEW_REPORTS))],
) -> ActivityReportRead:
    """accept, or return with what to correct."""
    view = await reports.review_activity_report(
        uow, principal, application_id, ReportReview(body.decision), body.comment
    )
    return present_activity(view)
