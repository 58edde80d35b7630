"""The evaluation's wire: a year of the contract, an operator's history, a convention's final evaluation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import LongText, TotalRead


class BeneficiaryTotalsRead(ApiModel):
    total: int
    women: int
    men: int
    share_in_qpv_percent: str | None = Field(
        description="Weighted by each action's total; an uploaded list's share wins over a declared one"
    )


class BeneficiariesComparedRead(ApiModel):
    expected_all: BeneficiaryTotalsRead = Field(description="Expected beneficiaries of every funded action")
    reporting_actions: int = Field(description="Funded actions whose activity report is submitted or accepted")
    expected_of_reporting: BeneficiaryTotalsRead
    reached: BeneficiaryTotalsRead
    reached_percent: str | None = Field(description="Reached ÷ expected, on the actions that reported")


class CpoShareRead(ApiModel):
    actions: int = Field(description="Funded actions carried by a signed multi-year agreement (CPO)")
    share_percent: str | None
    goal_percent: int
    goal_met: bool = Field(description="More than the goal's share of the funded actions under CPO")


class NewActionsRead(ApiModel):
    actions: int = Field(description="Funded actions that renew no earlier application")
    share_percent: str | None
    guide_percent: int


class LeverageRead(ApiModel):
    total_cost: str = Field(description="Charges of the funded actions' budgets")
    decided: str = Field(description="Decided by every financer")
    p147_decided: str
    co_financing: str = Field(description="Decided by the financers other than the State (P147)")
    co_financing_per_p147_euro: str | None = Field(description="The State credits' leverage")


class IndicatorProgressRead(ApiModel):
    convention_id: uuid.UUID
    convention_reference: str
    operator_id: uuid.UUID
    operator_name: str
    year: int
    code: str
    label: str
    unit: str
    baseline: str
    target: str | None
    value: str | None
    progress_percent: str | None = Field(description="From the baseline to the target: 100 means reached")
    reached: bool | None = Field(description="None while the year has no target or no value")


class IndicatorSummaryRead(ApiModel):
    with_target: int
    reported: int
    reached: int


class YearEvaluationRead(ApiModel):
    contract_code: str
    year: int
    actions_funded: int = Field(description="Notified applications of the year with an amount decided")
    cpo: CpoShareRead
    new_actions: NewActionsRead
    leverage: LeverageRead
    by_financer: list[TotalRead]
    by_pillar: list[TotalRead]
    by_theme: list[TotalRead] = Field(description="Nature of the actions: the P147 theme of their primary objective")
    by_operator_profile: list[TotalRead]
    operators: int
    beneficiaries: BeneficiariesComparedRead
    indicators: list[IndicatorProgressRead] = Field(description="Of the multi-year agreements covering the year")
    indicator_summary: IndicatorSummaryRead


class OperatorActionRead(ApiModel):
    application_id: uuid.UUID
    title: str
    state: str
    renewal: bool
    under_cpo: bool
    convention_reference: str | None
    requested: str
    decided: str
    p147_decided: str
    financial_report: str | None = Field(description="Its status; None while none is submitted")
    activity_report: str | None
    expected_beneficiaries: int | None
    reached_beneficiaries: int | None


class OperatorYearRead(ApiModel):
    year: int
    applications: int
    funded: int
    under_cpo: int
    requested: str
    decided: str = Field(description="Of the funded actions")
    p147_decided: str
    actions: list[OperatorActionRead]


class ConventionHistoryRead(ApiModel):
    convention_id: uuid.UUID
    reference: str
    kind: str
    first_year: int
    last_year: int
    status: str
    indicators: list[IndicatorProgressRead] = Field(description="Every indicator, every year of the agreement")
    indicator_summary: IndicatorSummaryRead


class OperatorHistoryRead(ApiModel):
    operator_id: uuid.UUID
    nom: str
    profile: str
    years: list[OperatorYearRead]
    conventions: list[ConventionHistoryRead]


class FinalEvaluationInput(ApiInput):
    assessment: LongText = Field(description="What the agreement achieved, against its objectives and indicators")
    outcome: Literal["met", "partly_met", "not_met"]
    recommendation: Literal["renew", "renew_with_changes", "end"]


class FinalEvaluationRecordRead(ApiModel):
    assessment: str
    outcome: str
    recommendation: str
    evaluated_by: str
    evaluated_at: datetime


class FinalEvaluationRead(ApiModel):
    convention_id: uuid.UUID
    reference: str
    status: str
    first_year: int
    last_year: int
    years: list[OperatorYearRead] = Field(description="The applications the convention carried, year by year")
    indicators: list[IndicatorProgressRead] = Field(description="Every indicator, every year of the agreement")
    indicator_summary: IndicatorSummaryRead
    evaluation: FinalEvaluationRecordRead | None = Field(description="None until the managers record it")
