"""The grants contract: what callers send and read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import (
    LongText,
    TotalRead,
)


class DecisionChangeRead(ApiModel):
    field: str
    ours: Any
    theirs: Any
    divergent: bool = Field(description="We hold another value: reported, never overwritten without a resolution")


class LineErrorRead(ApiModel):
    field: str
    rule: str
    message: str


class DecisionLineRead(ApiModel):
    line: int = Field(description="Position among the file's data lines")
    sheet: str | None
    row: int = Field(description="Row number in the file (or sheet), the header being row 1")
    status: Literal["applied", "unchanged", "divergent", "unmatched", "error", "resolved_applied", "resolved_kept"] = (
        Field(description="In a dry run, `applied` means would be applied")
    )
    matched_by: str | None
    application_id: uuid.UUID | None
    changes: list[DecisionChangeRead]
    errors: list[LineErrorRead]


class DecisionImportRead(ApiModel):
    batch_id: uuid.UUID | None = Field(description="None for a dry run: nothing is stored")
    dry_run: bool
    already_imported: bool = Field(description="The same file was imported before: nothing changed")
    columns: dict[str, str] = Field(description="Field → the header it was read from")
    counts: dict[str, int]
    lines: list[DecisionLineRead]


class LineResolutionInput(ApiInput):
    action: Literal["apply", "keep"] = Field(description="A divergence: apply the file's values or keep ours")
    application_id: uuid.UUID | None = Field(default=None, description="An unmatched line: the application it is")
    reason: LongText


class HeaderAliasesInput(ApiInput):
    aliases: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,30}$")],
        list[Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]],
    ] = Field(max_length=20, description="Field → the contract's own header spellings, tried first")


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
