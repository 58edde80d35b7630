"""What an operator's writes at a call's deadline are checked against, each read in ONE statement.

Under a call-deadline load the services' event loops are saturated, so each round trip of a write to the
database waits its turn: a write's latency grows with its number of statements (issue 19). The reads that
a creation, a budget and a submission each sent one after the other are sent here as one statement per
write, built from the same conditions as the features' own queries (framework, reports), so each rule
reads exactly what it read before and is checked, in the same order, by the use case."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ClauseElement, Integer, Text, Uuid, bindparam, exists, func, select, tuple_
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by

from kit.compiled_statements import CompiledOnce
from services.grants.applications.domain.budget import BudgetLine
from services.grants.applications.models import ApplicationRow, BudgetLineRow, FinancingLineRow
from services.grants.applications.repository import records_array
from services.grants.calls.models import CallRow
from services.grants.framework.models import ObjectiveRow
from services.grants.framework.repository import operational_objectives
from services.grants.institutions.models import InstitutionRow
from services.grants.operators.models import OperatorRow
from services.grants.persistence import Repository
from services.grants.reports.domain import OverdueReport
from services.grants.reports.repository import overdue_reports


@dataclass(frozen=True, slots=True)
class CreationGrounds:
    """A new application's call (its contract and year), the contract of the operator it names (None: no
    such operator) and those of the objectives it names that are operational objectives of the call's
    contract."""

    call_id: uuid.UUID
    contract_code: str
    year: int
    operator_contract_code: str | None
    operational: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class SubmissionGrounds:
    """What a submission is checked against: the budget (in its order), the day its call closes (None: no
    such call) and the operator's financial reports overdue in the contract (in year, title order); and
    whether the application has financing lines already (a first submission has none to read, locked)."""

    budget: list[BudgetLine]
    closes_on: date | None
    overdue: list[OverdueReport]
    has_financing_lines: bool


class WriteGrounds(Repository):
    async def for_creation(
        self, call_id: uuid.UUID, operator_id: uuid.UUID, objective_ids: Collection[uuid.UUID]
    ) -> CreationGrounds | None:
        """The call, the operator's contract and the operational objectives among `objective_ids`, in one
        statement (the call's row with a scalar subquery for each) rather than three round trips; None: no
        such call (the operator and objectives are then not asked)."""
        operator_contract = select(OperatorRow.contract_code).where(OperatorRow.operator_id == operator_id)
        operational = select(func.array_agg(ObjectiveRow.objective_id)).where(
            operational_objectives(CallRow.contract_code, objective_ids)
        )
        query = select(
            CallRow.call_id,
            CallRow.contract_code,
            CallRow.year,
            operator_contract.scalar_subquery(),
            operational.scalar_subquery(),
        ).where(CallRow.call_id == call_id)
        found = (await self.session.execute(query)).first()
        if found is None:
            return None
        call_id, contract_code, year, operator_contract_code, objectives = found
        return CreationGrounds(call_id, contract_code, year, operator_contract_code, frozenset(objectives or ()))

    async def locked_with_financers(
        self, application_id: uuid.UUID
    ) -> tuple[ApplicationRow | None, dict[uuid.UUID, str]]:
        """The application, locked until the transaction ends, and the codes of its contract's financers and
        partners by id (what its budget's lines are checked against): one statement rather than two round
        trips (only the application's row is locked, as `ApplicationRepository.get` locks it)."""
        financers = select(func.jsonb_object_agg(InstitutionRow.institution_id, InstitutionRow.code, type_=JSONB))
        query = (
            select(
                ApplicationRow,
                financers.where(InstitutionRow.contract_code == ApplicationRow.contract_code).scalar_subquery(),
            )
            .where(ApplicationRow.application_id == application_id)
            .with_for_update(of=ApplicationRow)
        )
        found = (await self.session.execute(query)).first()
        if found is None:
            return None, {}
        row, codes = found
        return row, {uuid.UUID(key): code for key, code in (codes or {}).items()}

    async def for_submission(self, row: ApplicationRow, last_year: int) -> SubmissionGrounds:
        """The application's budget, its call's closing day, its operator's financial reports overdue up to
        `last_year` and whether it has financing lines: one statement (compiled once) rather than three or
        four round trips. The caller holds the application's lock, which every writer of its lines takes
        first: lines it has not yet need no locked read."""
        values = {
            "application_id": row.application_id,
            "call_id": row.call_id,
            "contract_code": row.contract_code,
            "operator_id": row.operator_id,
            "last_year": last_year,
        }
        [(budget, closes_on, overdue, has_lines)] = await _SUBMISSION(frozenset()).rows(self.session, values)
        return SubmissionGrounds(
            budget=[BudgetLine(*line) for line in budget or ()],
            closes_on=closes_on,
            overdue=[OverdueReport(*report) for report in overdue or ()],
            has_financing_lines=has_lines,
        )


def _submission_statement(_: frozenset[str]) -> tuple[ClauseElement, frozenset[str]]:
    """The budget lines as one array of records, the call's closing day, the overdue reports as one array of
    records and whether the application has financing lines (SubmissionGrounds' fields, in order)."""
    application_id = bindparam("application_id", type_=Uuid)
    budget = select(
        records_array(
            BudgetLineRow.account,
            BudgetLineRow.label,
            BudgetLineRow.amount_cents,
            BudgetLineRow.institution_id,
            order=BudgetLineRow.position,
        )
    ).where(BudgetLineRow.application_id == application_id)
    closes_on = select(CallRow.closes_on).where(CallRow.call_id == bindparam("call_id", type_=Uuid))
    overdue = (
        overdue_reports(bindparam("last_year", type_=Integer))
        .where(
            ApplicationRow.contract_code == bindparam("contract_code", type_=Text),
            ApplicationRow.operator_id == bindparam("operator_id", type_=Uuid),
        )
        .subquery()
    )
    in_order = aggregate_order_by(tuple_(*overdue.c), overdue.c.year, overdue.c.title, overdue.c.application_id)
    reports = select(func.array_agg(in_order))
    lines = exists().where(FinancingLineRow.application_id == application_id)
    statement: Any = select(budget.scalar_subquery(), closes_on.scalar_subquery(), reports.scalar_subquery(), lines)
    return statement, frozenset({"application_id", "call_id", "contract_code", "operator_id", "last_year"})


_SUBMISSION = CompiledOnce(_submission_statement)
