"""HTTP routes of the evaluation dashboards: a year of the contract, an operator's history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Path, Query, Response, status

from identity.principal import Principal
from kit.api_models import plain_decimal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.problems import documented_problems
from kit.response_cache import REMEMBERED
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from services.grants.conventions.use_cases.access import convention_etag
from services.grants.evaluation import use_cases as evaluation
from services.grants.evaluation.domain import (
    CPO_GOAL_PERCENT,
    NEW_ACTIONS_GUIDE_PERCENT,
    BeneficiaryTotals,
    EvaluationOutcome,
    IndicatorProgress,
    IndicatorSummary,
    OperatorYear,
    Recommendation,
)
from services.grants.evaluation.schemas import (
    BeneficiariesComparedRead,
    BeneficiaryTotalsRead,
    ConventionHistoryRead,
    CpoShareRead,
    FinalEvaluationInput,
    FinalEvaluationRead,
    FinalEvaluationRecordRead,
    IndicatorProgressRead,
    IndicatorSummaryRead,
    LeverageRead,
    NewActionsRead,
    OperatorActionRead,
    OperatorHistoryRead,
    OperatorYearRead,
    YearEvaluationRead,
)
from services.grants.policies import EVALUATE, MANAGE_CONVENTIONS, READ_GRANTS
from services.grants.schemas import ContractCode, TotalRead

router = platform_router(["evaluation"], authenticated=True, writes=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _beneficiaries(totals: BeneficiaryTotals) -> BeneficiaryTotalsRead:
    return BeneficiaryTotalsRead(
        total=totals.total,
        women=totals.women,
        men=totals.men,
        share_in_qpv_percent=_text(totals.share_in_qpv_percent),
    )


def _indicators(progress: Sequence[IndicatorProgress]) -> list[IndicatorProgressRead]:
    return [
        IndicatorProgressRead(
            convention_id=item.facts.convention_id,
            convention_reference=item.facts.convention_reference,
            operator_id=item.facts.operator_id,
            operator_name=item.facts.operator_name,
            year=item.facts.year,
            code=item.facts.indicator.code,
            label=item.facts.indicator.label,
            unit=item.facts.indicator.unit,
            baseline=plain_decimal(item.facts.indicator.baseline),
            target=None if item.facts.target is None else plain_decimal(item.facts.target),
            value=None if item.facts.value is None else plain_decimal(item.facts.value),
            progress_percent=_text(item.progress_percent),
            reached=item.reached,
        )
        for item in progress
    ]


def _years(years: Sequence[OperatorYear]) -> list[OperatorYearRead]:
    return [
        OperatorYearRead(
            year=year.year,
            applications=year.applications,
            funded=year.funded,
            under_cpo=year.under_cpo,
            requested=euros(year.requested_cents),
            decided=euros(year.decided_cents),
            p147_decided=euros(year.p147_decided_cents),
            actions=[
                OperatorActionRead(
                    application_id=action.application_id,
                    title=action.title,
                    state=action.state.value,
                    renewal=action.renewal,
                    under_cpo=action.under_cpo,
                    convention_reference=action.convention_reference,
                    requested=euros(action.requested_cents),
                    decided=euros(action.decided_cents),
                    p147_decided=euros(action.p147_decided_cents),
                    financial_report=None if action.financial_report is None else action.financial_report.value,
                    activity_report=None if action.activity_report is None else action.activity_report.value,
                    expected_beneficiaries=action.expected.total,
                    reached_beneficiaries=None if action.reached is None else action.reached.total,
                )
                for action in year.actions
            ],
        )
        for year in years
    ]


def _summary(summary: IndicatorSummary) -> IndicatorSummaryRead:
    return IndicatorSummaryRead(with_target=summary.with_target, reported=summary.reported, reached=summary.reached)


@router.get(
    "/evaluation/years/{year}",
    operation_id="evaluate_year",
    dependencies=[REMEMBERED],
    response_model=YearEvaluationRead,
)
async def evaluate_year(
    uow: Uow,
    year: Annotated[int, Path(ge=2000, le=2100)],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    principal: Annotated[Principal, Depends(authorize(EVALUATE))],
) -> YearEvaluationRead:
    """The year's notified programmation as the contract's evaluation reads it: actions funded, the share
    under multi-year agreements (goal: more than half), the share of new actions, the leverage of the
    State's credits, amounts by financer, pillar, nature and operator profile, beneficiaries expected
    against reached, and each agreement's indicators against the year's target."""
    board = await evaluation.year_dashboard(uow, principal, contract_code, year)
    figures, totals = board.evaluation, board.totals
    compared = figures.beneficiaries
    return YearEvaluationRead(
        contract_code=board.contract_code,
        year=board.year,
        actions_funded=figures.actions_funded,
        cpo=CpoShareRead(
            actions=figures.under_cpo,
            share_percent=_text(figures.cpo_share_percent),
            goal_percent=CPO_GOAL_PERCENT,
            goal_met=figures.cpo_goal_met,
        ),
        new_actions=NewActionsRead(
            actions=figures.new_actions,
            share_percent=_text(figures.new_share_percent),
            guide_percent=NEW_ACTIONS_GUIDE_PERCENT,
        ),
        leverage=LeverageRead(
            total_cost=euros(figures.total_cost_cents),
            decided=euros(figures.decided_cents),
            p147_decided=euros(figures.p147_decided_cents),
            co_financing=euros(figures.co_financing_cents),
            co_financing_per_p147_euro=_text(figures.leverage),
        ),
        by_financer=TotalRead.each(totals.by_financer),
        by_pillar=TotalRead.each(totals.by_pillar),
        by_theme=TotalRead.each(totals.by_theme),
        by_operator_profile=TotalRead.each(totals.by_operator_profile),
        operators=totals.operators,
        beneficiaries=BeneficiariesComparedRead(
            expected_all=_beneficiaries(compared.expected_all),
            reporting_actions=compared.reporting_actions,
            expected_of_reporting=_beneficiaries(compared.expected_of_reporting),
            reached=_beneficiaries(compared.reached),
            reached_percent=_text(compared.reached_percent),
        ),
        indicators=_indicators(board.indicators),
        indicator_summary=_summary(board.indicator_summary),
    )


@router.get(
    "/operators/{operator_id}/history",
    operation_id="operator_history",
    dependencies=[REMEMBERED],
    response_model=OperatorHistoryRead,
)
async def operator_history(
    uow: Uow, operator_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> OperatorHistoryRead:
    """An operator's applications year by year (amounts requested and decided, agreement, reports, expected
    and reached beneficiaries) and its agreements with their indicators year by year. An operator reads
    its own history; the contract's partners every operator's."""
    history = await evaluation.operator_history(uow, principal, operator_id)
    return OperatorHistoryRead(
        operator_id=history.operator.operator_id,
        nom=history.operator.nom,
        profile=history.operator.profile.value,
        years=_years(history.years),
        conventions=[
            ConventionHistoryRead(
                convention_id=item.convention.convention_id,
                reference=item.convention.reference,
                kind=item.convention.term.kind.value,
                first_year=item.convention.term.first_year,
                last_year=item.convention.term.last_year,
                status=item.convention.status.value,
                indicators=_indicators(item.indicators),
                indicator_summary=_summary(item.summary),
            )
            for item in history.conventions
        ],
    )


def _final(found: evaluation.FinalEvaluation, response: Response) -> FinalEvaluationRead:
    convention, record = found.convention, found.record
    response.headers["ETag"] = convention_etag(convention)
    return FinalEvaluationRead(
        convention_id=convention.convention_id,
        reference=convention.reference,
        status=convention.status.value,
        first_year=convention.term.first_year,
        last_year=convention.term.last_year,
        years=_years(found.years),
        indicators=_indicators(found.indicators),
        indicator_summary=_summary(found.summary),
        evaluation=None
        if record is None
        else FinalEvaluationRecordRead(
            assessment=record.assessment,
            outcome=record.outcome.value,
            recommendation=record.recommendation.value,
            evaluated_by=record.evaluated_by,
            evaluated_at=record.evaluated_at,
        ),
    )


@router.get(
    "/conventions/{convention_id}/final-evaluation",
    operation_id="get_final_evaluation",
    response_model=FinalEvaluationRead,
)
async def get_final_evaluation(
    uow: Uow,
    response: Response,
    convention_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> FinalEvaluationRead:
    """The figures a final evaluation weighs (years, reports, beneficiaries, indicators against targets)
    and the assessment once recorded; the ETag is the convention's."""
    return _final(await evaluation.final_evaluation(uow, principal, convention_id), response)


@router.post(
    "/conventions/{convention_id}/final-evaluation",
    operation_id="record_final_evaluation",
    response_model=FinalEvaluationRead,
    status_code=status.HTTP_201_CREATED,
    responses=documented_problems(authenticated=True, writes=True),
    dependencies=[conditional(read_at="/conventions/{convention_id}/final-evaluation")],
)
async def record_final_evaluation(
    uow: Uow,
    response: Response,
    convention_id: uuid.UUID,
    body: FinalEvaluationInput,
    principal: Annotated[Principal, Depends(authorize(MANAGE_CONVENTIONS))],
) -> FinalEvaluationRead:
    """The managers' assessment of a signed convention whose last year is notified and reported on; it
    closes the convention. If-Match: the convention's ETag."""
    found = await evaluation.record_final_evaluation(
        uow,
        principal,
        convention_id,
        body.assessment,
        EvaluationOutcome(body.outcome),
        Recommendation(body.recommendation),
    )
    return _final(found, response)
