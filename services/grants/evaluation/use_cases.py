"""The evaluation dashboards: a year of the contract's programmation (what the yearly review and the
comité de pilotage look at), an operator's history across years, and a convention's final evaluation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.conventions.domain import Convention
from services.grants.conventions.repository import ConventionRepository, convention_of
from services.grants.conventions.use_cases.access import CONVENTIONS, readable_conventions, visible_convention
from services.grants.conventions.use_cases.lifecycle import close_convention, managed_convention
from services.grants.errors import NotFoundError
from services.grants.evaluation.domain import (
    EvaluationOutcome,
    FinalEvaluationRecord,
    IndicatorProgress,
    IndicatorSummary,
    OperatorAction,
    OperatorYear,
    Recommendation,
    YearEvaluation,
    check_closable,
    evaluate_year,
    indicator_progress,
    operator_years,
    summarise_indicators,
)
from services.grants.evaluation.models import ConventionEvaluationRow
from services.grants.evaluation.repository import EvaluationRepository
from services.grants.institutions.repository import InstitutionRepository
from services.grants.operators.domain import Operator
from services.grants.operators.repository import operator_of
from services.grants.operators.use_cases import visible_operator
from services.grants.programmation.domain.tables import Totals
from services.grants.programmation.repository.views import ProgrammationViews
from services.grants.programmation.use_cases.views import notified_in


@dataclass(frozen=True, slots=True)
class YearDashboard:
    contract_code: str
    year: int
    totals: Totals  # the programmation totals of the year's notified applications
    evaluation: YearEvaluation
    indicators: list[IndicatorProgress]
    indicator_summary: IndicatorSummary


@dataclass(frozen=True, slots=True)
class ConventionHistory:
    convention: Convention
    indicators: list[IndicatorProgress]  # every indicator, every year of the agreement
    summary: IndicatorSummary


@dataclass(frozen=True, slots=True)
class OperatorHistory:
    operator: Operator
    years: list[OperatorYear]
    conventions: list[ConventionHistory]


async def year_dashboard(uow: UnitOfWork, actor: Principal, contract_code: str, year: int) -> YearDashboard:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        repository = EvaluationRepository(uow.session)
        p147 = await InstitutionRepository(uow.session).state_p147(contract_code)
        totals = await ProgrammationViews(uow.session).totals(notified_in(contract_code, year))
        funded = await repository.funded_actions(contract_code, year, p147)
        facts = await repository.indicator_facts(contract_code, year=year)
        readable = await readable_conventions(uow, actor, {item.convention_id for item in facts})
    progress = [indicator_progress(item) for item in facts]
    # The summary is the contract's figure; each agreement's own indicators are listed to its readers only.
    listed = [item for item in progress if item.facts.convention_id in readable]
    return YearDashboard(contract_code, year, totals, evaluate_year(funded), listed, summarise_indicators(progress))


def _by_convention(progress: Sequence[IndicatorProgress]) -> dict[uuid.UUID, list[IndicatorProgress]]:
    grouped: dict[uuid.UUID, list[IndicatorProgress]] = {}
    for item in progress:
        grouped.setdefault(item.facts.convention_id, []).append(item)
    return grouped


async def operator_history(uow: UnitOfWork, actor: Principal, operator_id: uuid.UUID) -> OperatorHistory:
    """An operator sees its own history; the contract's partners every operator's."""
    async with uow.reading():
        operator = operator_of(await visible_operator(uow, actor, operator_id))
        contract_code = operator.contract_code
        repository = EvaluationRepository(uow.session)
        p147 = await InstitutionRepository(uow.session).state_p147(contract_code)
        actions = await repository.operator_actions(contract_code, operator_id, p147)
        conventions = await ConventionRepository(uow.session).of_operator(contract_code, operator_id)
        readable = await readable_conventions(uow, actor, [item.convention_id for item in conventions])
        conventions = [item for item in conventions if item.convention_id in readable]
        facts = await repository.indicator_facts(contract_code, operator_id=operator_id)
        facts = [item for item in facts if item.convention_id in readable]
    progress = _by_convention([indicator_progress(item) for item in facts])
    return OperatorHistory(
        operator=operator,
        years=operator_years(actions),
        conventions=[
            ConventionHistory(
                item,
                progress.get(item.convention_id, []),
                summarise_indicators(progress.get(item.convention_id, [])),
            )
            for item in conventions
        ],
    )


@dataclass(frozen=True, slots=True)
class FinalEvaluation:
    convention: Convention
    record: FinalEvaluationRecord | None  # None until the managers record it
    years: list[OperatorYear]
    indicators: list[IndicatorProgress]
    summary: IndicatorSummary


async def _final_figures(
    uow: UnitOfWork, convention: Convention
) -> tuple[list[OperatorAction], list[IndicatorProgress]]:
    repository = EvaluationRepository(uow.session)
    p147 = await InstitutionRepository(uow.session).state_p147(convention.contract_code)
    actions = await repository.convention_actions(convention.convention_id, p147)
    facts = await repository.indicator_facts(convention.contract_code, convention_id=convention.convention_id)
    return actions, [indicator_progress(item) for item in facts]


async def final_evaluation(uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID) -> FinalEvaluation:
    """The convention's years (amounts, reports, beneficiaries expected and reached), its indicators year
    by year against their targets, and the managers' assessment once recorded."""
    async with uow.reading():
        convention = convention_of(await visible_convention(uow, actor, convention_id))
        actions, progress = await _final_figures(uow, convention)
        record = await EvaluationRepository(uow.session).final_evaluation(convention_id)
    return FinalEvaluation(convention, record, operator_years(actions), progress, summarise_indicators(progress))


async def record_final_evaluation(
    uow: UnitOfWork,
    actor: Principal,
    convention_id: uuid.UUID,
    assessment: str,
    outcome: EvaluationOutcome,
    recommendation: Recommendation,
) -> FinalEvaluation:
    """The managers' final assessment of a signed convention whose last year is reported on: it closes the
    convention (no more years, indicators or values)."""
    async with uow:
        convention = await managed_convention(uow, actor, convention_id)
        actions, progress = await _final_figures(uow, convention)
        last_year = convention.term.last_year
        check_closable(convention.status, last_year, [action for action in actions if action.year == last_year])
        record = FinalEvaluationRecord(assessment, outcome, recommendation, actor.subject, uow.now())
        await EvaluationRepository(uow.session).add(
            ConventionEvaluationRow(
                convention_id=convention_id,
                assessment=record.assessment,
                outcome=outcome.value,
                recommendation=recommendation.value,
                evaluated_by=record.evaluated_by,
                evaluated_at=record.evaluated_at,
            )
        )
        summary = summarise_indicators(progress)
        closed = await close_convention(
            uow,
            actor,
            convention_id,
            outcome=outcome.value,
            recommendation=recommendation.value,
            indicatorsReached=summary.reached,
            indicatorsWithTarget=summary.with_target,
        )
        await CONVENTIONS.changed(
            uow,
            actor,
            str(convention_id),
            action="convention.final_evaluation",
            before={"status": convention.status.value},
            after={"status": closed.status.value, "outcome": outcome.value, "recommendation": recommendation.value},
        )
        await uow.commit()
    return FinalEvaluation(closed, record, operator_years(actions), progress, summary)
