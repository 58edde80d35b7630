"""HTTP routes of activity reports (qualitative, actual beneficiaries, located beneficiaries as counts)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request, Response

from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.api.schemas import (
    ActivityReportInput,
    ActivityReportRead,
    LocatedBeneficiariesRead,
    ReportReviewInput,
)
from services.grants.applications.domain.application import Beneficiaries
from services.grants.clients.territories import PointClassifier, request_point_classifier
from services.grants.domain.activity_reports import ActivityReport, LocatedBeneficiaries
from services.grants.domain.reports import ReportReview
from services.grants.policies import READ_GRANTS, REPORT, REVIEW_REPORTS
from services.grants.use_cases import activity_reports
from services.grants.use_cases.activity_reports import ActivityReportView
from services.grants.use_cases.reports import report_etag

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


def _answer(view: ActivityReportView, response: Response) -> ActivityReportRead:
    response.headers["ETag"] = report_etag(view.application.application_id, "activity-report", view.report)
    return present(view)


def present(view: ActivityReportView) -> ActivityReportRead:
    report = view.report
    located = None if report is None else report.located
    return ActivityReportRead(
        application_id=view.application.application_id,
        due_on=view.due_on,
        status="missing" if report is None else report.status,
        summary=None if report is None else report.summary,
        results=None if report is None else report.results,
        difficulties=None if report is None else report.difficulties,
        outlook=None if report is None else report.outlook,
        beneficiaries=None if report is None else report.beneficiaries,
        located=None
        if located is None
        else LocatedBeneficiariesRead(
            points=located["points"],
            in_qpv=located["in_qpv"],
            outside=located["outside"],
            refused=located["refused"],
            by_qpv=located["by_qpv"],
            share_in_qpv_percent=located["sharePercent"],
        ),
        review_comment=None if report is None else report.review_comment,
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
    return _answer(await activity_reports.submit_activity_report(uow, principal, application_id, written), response)


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

    async def classify() -> LocatedBeneficiaries:
        return await classifier.classify(body, media_type, request.headers.get("authorization", ""))

    return present(await activity_reports.record_located(uow, principal, application_id, classify))


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
    return _answer(await activity_reports.get_activity_report(uow, principal, application_id), response)


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
    view = await activity_reports.review_activity_report(
        uow, principal, application_id, ReportReview(body.decision), body.comment
    )
    return present(view)
