"""The facts the evaluation dashboards add up: a year's funded actions, an operator's actions across years,
the indicators of multi-year agreements and their values, and a convention's final evaluation."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, exists, func, select
from sqlalchemy.orm import aliased

from services.grants.applications.domain.workflow import State
from services.grants.applications.models import ApplicationRow, FinancingLineRow
from services.grants.conventions.domain import ConventionKind, ConventionStatus
from services.grants.conventions.models import (
    ConventionApplicationRow,
    ConventionRow,
    IndicatorRow,
    IndicatorValueRow,
)
from services.grants.conventions.repository import indicator_of
from services.grants.evaluation.domain import (
    EvaluationOutcome,
    FinalEvaluationRecord,
    FundedAction,
    IndicatorFacts,
    OperatorAction,
    Reached,
    Recommendation,
    reached_if_reported,
)
from services.grants.evaluation.models import ConventionEvaluationRow
from services.grants.operators.models import OperatorRow
from services.grants.persistence import Repository
from services.grants.reports.domain import ReportStatus
from services.grants.reports.models import ActivityReportRow, FinancialReportRow


def _status(value: str | None) -> ReportStatus | None:
    return None if value is None else ReportStatus(value)


def _reached(row: Row[Any]) -> Reached | None:
    return reached_if_reported(_status(row.activity_report), Reached.of(row.reached, row.located))


def _operator_action(row: Row[Any]) -> OperatorAction:
    return OperatorAction(
        application_id=row.application_id,
        year=row.year,
        title=row.title,
        state=State(row.state),
        renewal=row.previous_application_id is not None,
        under_cpo=row.under_cpo,
        convention_reference=row.convention_reference,
        requested_cents=row.lines_requested_cents,
        decided_cents=row.lines_decided_cents,
        p147_decided_cents=row.p147_decided_cents,
        financial_report=_status(row.financial_report),
        activity_report=_status(row.activity_report),
        expected=Reached.of(row.beneficiaries),
        reached=_reached(row),
    )


class EvaluationRepository(Repository):
    @staticmethod
    def _actions(p147: uuid.UUID | None) -> Select[Any]:
        state_line = aliased(FinancingLineRow)
        # Aliases: the actions may be joined to their convention too, which must not correlate in here.
        carried, convention = aliased(ConventionApplicationRow), aliased(ConventionRow)
        under_cpo = (
            exists()
            .where(
                carried.application_id == ApplicationRow.application_id,
                convention.convention_id == carried.convention_id,
                convention.kind == ConventionKind.MULTI_YEAR.value,
                convention.status != ConventionStatus.DRAFT.value,
            )
            .label("under_cpo")
        )
        columns: list[Any] = [
            ApplicationRow.application_id,
            ApplicationRow.year,
            ApplicationRow.title,
            ApplicationRow.state,
            ApplicationRow.previous_application_id,
            under_cpo,
            ApplicationRow.budget_charges_cents,
            ApplicationRow.lines_requested_cents,
            ApplicationRow.lines_decided_cents,
            func.coalesce(state_line.decided_cents, 0).label("p147_decided_cents"),
            ApplicationRow.beneficiaries,
            ActivityReportRow.status.label("activity_report"),
            ActivityReportRow.beneficiaries.label("reached"),
            ActivityReportRow.located,
            FinancialReportRow.status.label("financial_report"),
        ]
        return (
            select(*columns)
            .outerjoin(
                state_line,
                (state_line.application_id == ApplicationRow.application_id) & (state_line.institution_id == p147),
            )
            .outerjoin(ActivityReportRow, ActivityReportRow.application_id == ApplicationRow.application_id)
            .outerjoin(FinancialReportRow, FinancialReportRow.application_id == ApplicationRow.application_id)
        )

    async def funded_actions(self, contract_code: str, year: int, p147: uuid.UUID | None) -> list[FundedAction]:
        """The year's notified applications with money decided."""
        query = self._actions(p147).where(
            ApplicationRow.contract_code == contract_code,
            ApplicationRow.year == year,
            ApplicationRow.state == State.NOTIFIED.value,
            ApplicationRow.lines_decided_cents > 0,
        )
        return [
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
            for row in (await self.session.execute(query)).all()
        ]

    def _carried(self, p147: uuid.UUID | None) -> Select[Any]:
        """The actions with the reference of the convention carrying each, if any."""
        return (
            self._actions(p147)
            .add_columns(ConventionRow.reference.label("convention_reference"))
            .outerjoin(
                ConventionApplicationRow, ConventionApplicationRow.application_id == ApplicationRow.application_id
            )
            .outerjoin(ConventionRow, ConventionRow.convention_id == ConventionApplicationRow.convention_id)
        )

    async def operator_actions(
        self, contract_code: str, operator_id: uuid.UUID, p147: uuid.UUID | None
    ) -> list[OperatorAction]:
        """Every application an operator sent in the contract (drafts aside)."""
        query = (
            self._carried(p147)
            .where(
                ApplicationRow.contract_code == contract_code,
                ApplicationRow.operator_id == operator_id,
                ApplicationRow.state != State.DRAFT.value,
            )
            .order_by(ApplicationRow.year, ApplicationRow.title)
        )
        return [_operator_action(row) for row in (await self.session.execute(query)).all()]

    async def convention_actions(self, convention_id: uuid.UUID, p147: uuid.UUID | None) -> list[OperatorAction]:
        """The applications a convention carries, year by year."""
        query = (
            self._carried(p147)
            .where(ConventionApplicationRow.convention_id == convention_id)
            .order_by(ApplicationRow.year)
        )
        return [_operator_action(row) for row in (await self.session.execute(query)).all()]

    async def final_evaluation(self, convention_id: uuid.UUID) -> FinalEvaluationRecord | None:
        row = await self.session.get(ConventionEvaluationRow, convention_id)
        if row is None:
            return None
        return FinalEvaluationRecord(
            assessment=row.assessment,
            outcome=EvaluationOutcome(row.outcome),
            recommendation=Recommendation(row.recommendation),
            evaluated_by=row.evaluated_by,
            evaluated_at=row.evaluated_at,
        )

    async def indicator_facts(
        self,
        contract_code: str,
        *,
        year: int | None = None,
        operator_id: uuid.UUID | None = None,
        convention_id: uuid.UUID | None = None,
    ) -> list[IndicatorFacts]:
        """One fact per indicator and year (the given year, or every year of its agreement) of the contract's
        agreements past their draft (covering `year`, of `operator_id`)."""
        query = (
            select(
                IndicatorRow,
                ConventionRow.reference,
                ConventionRow.first_year,
                ConventionRow.last_year,
                ConventionRow.operator_id,
                OperatorRow.nom,
            )
            .join(ConventionRow, ConventionRow.convention_id == IndicatorRow.convention_id)
            .join(OperatorRow, OperatorRow.operator_id == ConventionRow.operator_id)
            .where(ConventionRow.contract_code == contract_code, ConventionRow.status != ConventionStatus.DRAFT.value)
        )
        if year is not None:
            query = query.where(ConventionRow.first_year <= year, ConventionRow.last_year >= year)
        if operator_id is not None:
            query = query.where(ConventionRow.operator_id == operator_id)
        if convention_id is not None:
            query = query.where(ConventionRow.convention_id == convention_id)
        found = (await self.session.execute(query.order_by(ConventionRow.reference, IndicatorRow.position))).all()
        values = await self._values({row.IndicatorRow.indicator_id for row in found})
        return [
            IndicatorFacts(
                convention_id=row.IndicatorRow.convention_id,
                convention_reference=row.reference,
                operator_id=row.operator_id,
                operator_name=row.nom,
                year=each,
                indicator=indicator_of(row.IndicatorRow),
                value=values.get((row.IndicatorRow.indicator_id, each)),
            )
            for row in found
            for each in ([year] if year is not None else range(row.first_year, row.last_year + 1))
        ]

    async def _values(self, indicator_ids: set[uuid.UUID]) -> dict[tuple[uuid.UUID, int], Decimal]:
        if not indicator_ids:
            return {}
        query = select(IndicatorValueRow.indicator_id, IndicatorValueRow.year, IndicatorValueRow.value).where(
            IndicatorValueRow.indicator_id.in_(sorted(indicator_ids))
        )
        return {(row[0], row[1]): row[2] for row in (await self.session.execute(query)).all()}
