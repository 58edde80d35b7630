"""The reports' wire: the financial report (CERFA 15059), the activity report and its located
beneficiaries, their review, and the reports overdue."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import BeneficiariesModel, BeneficiariesRead, BudgetAccount, LongText, Money, Title


class ActualLineInput(ApiInput):
    account: BudgetAccount
    label: Title
    amount: Money = Field(description="Whole euros, as the CERFA 15059 asks")
    explanation: LongText | None = Field(default=None, description="Why the account differs from the budget")
    institution_id: uuid.UUID | None = Field(
        default=None, description="A 74 line's financer (CERFA 15059 gives the grants by financer); no other line's"
    )


class FinancialReportInput(ApiInput):
    lines: list[ActualLineInput] = Field(min_length=1, max_length=200)


class ReportReviewInput(ApiInput):
    decision: Literal["accept", "return"]
    comment: LongText | None = None


class ActualLineRead(ApiModel):
    account: str
    label: str
    amount: str
    explanation: str | None
    institution_id: uuid.UUID | None


class AccountGapRead(ApiModel):
    account: str
    institution_id: uuid.UUID | None = Field(description="The financer, for the grants (74) given by financer")
    planned: str
    actual: str


class FinancialReportRead(ApiModel):
    application_id: uuid.UUID
    due_on: date
    status: Literal["missing", "submitted", "accepted", "returned"]
    lines: list[ActualLineRead]
    gaps: list[AccountGapRead]
    review_comment: str | None


class OverdueReportRead(ApiModel):
    application_id: uuid.UUID
    operator_id: uuid.UUID
    title: str
    year: int
    due_on: date
    status: Literal["missing", "returned"]


class OverdueAnnouncementsRead(ApiModel):
    announced: int = Field(description="How many financial reports this run announced overdue (`report.overdue`)")


class ActivityReportInput(ApiInput):
    summary: LongText = Field(description="What was done")
    results: LongText = Field(description="What was achieved against the action's objectives")
    difficulties: LongText | None = None
    outlook: LongText | None = Field(default=None, description="What comes next")
    beneficiaries: BeneficiariesModel = Field(description="Actual beneficiaries, as the expected ones")


class LocatedBeneficiariesRead(ApiModel):
    points: int = Field(description="Lines uploaded")
    in_qpv: int
    outside: int
    refused: int = Field(description="Lines territories could not classify (bad coordinates)")
    by_qpv: dict[str, int]
    share_in_qpv_percent: int | None


class ActivityReportRead(ApiModel):
    application_id: uuid.UUID
    due_on: date
    status: Literal["missing", "submitted", "accepted", "returned"]
    summary: str | None
    results: str | None
    difficulties: str | None
    outlook: str | None
    beneficiaries: BeneficiariesRead | None
    located: LocatedBeneficiariesRead | None = Field(description="Counts only: the points are never kept")
    review_comment: str | None
