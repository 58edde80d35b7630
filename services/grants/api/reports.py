"""HTTP routes of financial reports (CERFA 15059): written by the operator, reviewed by the instructors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Response

from kit.api_models import IsoDate
from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.api.schemas import (
    AccountGapRead,
    ActualLineRead,
    FinancialReportInput,
    FinancialReportRead,
    OverdueReportRead,
    ReportReviewInput,
)
from services.grants.domain.reports import ActualLine, ReportReview, due_on
from services.grants.money import cents_of, euros
from services.grants.policies import READ_GRANTS, REPORT, REVIEW_REPORTS
from services.grants.schemas import ContractCode
from services.grants.use_cases import reports
from services.grants.use_cases.reports import ReportView

router = platform_router(["reports"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _answer(view: ReportView, response: Response) -> FinancialReportRead:
    response.headers["ETag"] = reports.report_etag(view.application.application_id, "financial-report", view.report)
    return present(view)


def present(view: ReportView) -> FinancialReportRead:
    report = view.report
    return FinancialReportRead(
        application_id=view.application.application_id,
        due_on=view.due_on,
        status="missing" if report is None else report.status,
        lines=[
            ActualLineRead(
                account=line["account"],
                label=line["label"],
                amount=euros(line["amount_cents"]),
                explanation=line["explanation"],
            )
            for line in (report.lines if report is not None else [])
        ],
        gaps=[
            AccountGapRead(account=account, planned=euros(planned), actual=euros(actual))
            for account, (planned, actual) in view.gaps.items()
        ],
        review_comment=None if report is None else report.review_comment,
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


@router.get("/financial-reports/overdue", operation_id="list_overdue_reports", response_model=list[OverdueReportRead])
async def list_overdue_reports(
    uow: Uow,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    on: Annotated[IsoDate | None, Query(description="The day to judge on; today by default")] = None,
) -> list[OverdueReportRead]:
    """Financial reports past their due date (30 June of the next year) and missing or returned."""
    day = on or datetime.now(UTC).date()
    return [
        OverdueReportRead(
            application_id=row.application_id,
            operator_id=row.operator_id,
            title=row.title,
            year=row.year,
            due_on=due_on(row.year),
            status=status,
        )
        for row, status in await reports.overdue_reports(uow, principal, contract_code, day)
    ]
