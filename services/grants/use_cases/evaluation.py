"""The evaluation dashboards: a year of the contract's programmation (what the yearly review and the
comité de pilotage look at) and an operator's history across years."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kit.auth.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.workflow import State
from services.grants.conventions.domain.convention import ConventionStatus
from services.grants.conventions.models import ConventionRow
from services.grants.conventions.repository import ConventionRepository
from services.grants.conventions.use_cases.access import (
    check_managed,
    contract_institutions,
    convention_etag,
    convention_event,
    readable_conventions,
    visible_convention,
)
from services.grants.db.models import ConventionEvaluationRow
from services.grants.db.repositories import EvaluationRepository
from services.grants.domain.evaluation import (
    REPORTED,
    EvaluationOutcome,
    FundedAction,
    IndicatorFacts,
    IndicatorProgress,
    IndicatorSummary,
    OperatorAction,
    OperatorYear,
    Reached,
    Recommendation,
    YearEvaluation,
    check_closable,
    evaluate_year,
    indicator_progress,
    operator_years,
    summarise_indicators,
)
from services.grants.errors import NotFoundError
from services.grants.institutions.repository import InstitutionRepository
from services.grants.operators.domain import sees_records_of
from services.grants.operators.models import OperatorRow
from services.grants.operators.repository import OperatorRepository
from services.grants.persistence import ledger
from services.grants.programmation.domain import ProgrammationFilter, Totals
from services.grants.programmation.repository.views import ProgrammationViews


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
    convention: ConventionRow
    indicators: list[IndicatorProgress]  # every indicator, every year of the agreement
    summary: IndicatorSummary


@dataclass(frozen=True, slots=True)
class OperatorHistory:
    operator: OperatorRow
    years: list[OperatorYear]
    conventions: list[ConventionHistory]


def _reached(row: Any) -> Reached | None:
    return Reached.of(row.reached, row.located) if row.activity_report in REPORTED else None


def _operator_action(row: Any) -> OperatorAction:
    return OperatorAction(
        application_id=row.application_id,
        year=row.year,
        title=row.title,
        state=row.state,
        renewal=row.previous_application_id is not None,
        under_cpo=row.under_cpo,
        convention_reference=row.convention_reference,
        requested_cents=row.lines_requested_cents,
        decided_cents=row.lines_decided_cents,
        p147_decided_cents=row.p147_decided_cents,
        financial_report=row.financial_report,
        activity_report=row.activity_report,
        expected=Reached.of(row.beneficiaries),
        reached=_reached(row),
    )


async def _indicator_facts(
    repository: EvaluationRepository,
    contract_code: str,
    *,
    year: int | None = None,
    operator_id: uuid.UUID | None = None,
    convention_id: uuid.UUID | None = None,
) -> list[IndicatorFacts]:
    """One fact per indicator and year: the given year, or every year of its agreement."""
    found = await repository.indicators(contract_code, year=year, operator_id=operator_id, convention_id=convention_id)
    values = await repository.indicator_values({row.IndicatorRow.indicator_id for row in found})
    facts = []
    for row in found:
        indicator = row.IndicatorRow
        for each in [year] if year is not None else range(row.first_year, row.last_year + 1):
            target = indicator.targets.get(str(each))
            facts.append(
                IndicatorFacts(
                    convention_id=indicator.convention_id,
                    convention_reference=row.reference,
                    operator_id=row.operator_id,
                    operator_name=row.nom,
                    year=each,
                    code=indicator.code,
                    label=indicator.label,
                    unit=indicator.unit,
                    baseline=indicator.baseline,
                    target=None if target is None else Decimal(target),
                    value=values.get((indicator.indicator_id, each)),
                )
            )
    return facts


async def year_dashboard(uow: UnitOfWork, actor: Principal, contract_code: str, year: int) -> YearDashboard:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        repository = EvaluationRepository(uow.session)
        p147 = await InstitutionRepository(uow.session).state_p147(contract_code)
        chosen = ProgrammationFilter(contract_code, year=year, state=State.NOTIFIED.value)
        totals = await ProgrammationViews(uow.session).totals(chosen)
        funded = [
            FundedAction(
                application_id=row.application_id,
                renewal=row.previous_application_id is not None,
                under_cpo=row.under_cpo,
                total_cost_cents=row.budget_charges_cents,
                decided_cents=row.lines_decided_cents,
                p147_decided_cents=row.p147_decided_cents,
                expected=Reached.of(row.beneficiaries),
                reached=_reached(row),
            )
            for row in await repository.funded_actions(contract_code, year, p147)
        ]
        facts = await _indicator_facts(repository, contract_code, year=year)
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
        operator = await OperatorRepository(uow.session).get(operator_id)
        if operator is None or not sees_records_of(actor, operator.contract_code, operator_id):
            raise NotFoundError("operator", str(operator_id))
        contract_code = operator.contract_code
        repository = EvaluationRepository(uow.session)
        p147 = await InstitutionRepository(uow.session).state_p147(contract_code)
        actions = [_operator_action(row) for row in await repository.operator_actions(contract_code, operator_id, p147)]
        conventions = await repository.conventions(contract_code, operator_id)
        readable = await readable_conventions(uow, actor, [row.convention_id for row in conventions])
        conventions = [row for row in conventions if row.convention_id in readable]
        facts = await _indicator_facts(repository, contract_code, operator_id=operator_id)
        facts = [item for item in facts if item.convention_id in readable]
    progress = _by_convention([indicator_progress(item) for item in facts])
    return OperatorHistory(
        operator=operator,
        years=operator_years(actions),
        conventions=[
            ConventionHistory(
                row,
                progress.get(row.convention_id, []),
                summarise_indicators(progress.get(row.convention_id, [])),
            )
            for row in conventions
        ],
    )


@dataclass(frozen=True, slots=True)
class FinalEvaluation:
    convention: ConventionRow
    record: ConventionEvaluationRow | None  # None until the managers record it
    years: list[OperatorYear]
    indicators: list[IndicatorProgress]
    summary: IndicatorSummary


async def _final_figures(uow: UnitOfWork, row: ConventionRow) -> tuple[list[OperatorAction], list[IndicatorProgress]]:
    repository = EvaluationRepository(uow.session)
    p147 = await InstitutionRepository(uow.session).state_p147(row.contract_code)
    actions = [_operator_action(found) for found in await repository.convention_actions(row.convention_id, p147)]
    facts = await _indicator_facts(repository, row.contract_code, convention_id=row.convention_id)
    return actions, [indicator_progress(item) for item in facts]


async def final_evaluation(uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID) -> FinalEvaluation:
    """The convention's years (amounts, reports, beneficiaries expected and reached), its indicators year
    by year against their targets, and the managers' assessment once recorded."""
    async with uow.reading():
        row = await visible_convention(uow, actor, convention_id)
        actions, progress = await _final_figures(uow, row)
        record = await EvaluationRepository(uow.session).final_evaluation(convention_id)
    return FinalEvaluation(row, record, operator_years(actions), progress, summarise_indicators(progress))


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
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        known = await contract_institutions(uow, row.contract_code)
        await check_managed(uow, actor, row, known)
        uow.check_precondition(convention_etag(row))
        actions, progress = await _final_figures(uow, row)
        before = ConventionStatus(row.status)
        check_closable(before, row.last_year, [action for action in actions if action.year == row.last_year])
        record = ConventionEvaluationRow(
            convention_id=convention_id,
            assessment=assessment,
            outcome=outcome.value,
            recommendation=recommendation.value,
            evaluated_by=actor.subject,
            evaluated_at=datetime.now(UTC),
        )
        await EvaluationRepository(uow.session).add(record)
        row.status, row.version = ConventionStatus.CLOSED.value, row.version + 1
        summary = summarise_indicators(progress)
        await ConventionRepository(uow.session).add(
            convention_event(
                actor,
                row,
                "final_evaluation",
                before.value,
                None,
                outcome=outcome.value,
                recommendation=recommendation.value,
                indicatorsReached=summary.reached,
                indicatorsWithTarget=summary.with_target,
            )
        )
        await ledger.changed(
            uow.session,
            actor,
            action="convention.final_evaluation",
            entity_type="convention",
            entity_id=str(convention_id),
            before={"status": before.value},
            after={"status": row.status, "outcome": outcome.value, "recommendation": recommendation.value},
        )
        await uow.commit()
    return FinalEvaluation(row, record, operator_years(actions), progress, summary)
