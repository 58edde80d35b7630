"""The applications' queries: actions, applications, their budget lines, financing lines and events."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import ClauseElement, Table, Uuid, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm.attributes import set_committed_value

from kit.compiled_statements import CompiledOnce
from kit.pagination import CountKept, KeptCounts, PageRequest
from services.grants.applications.domain.application import (
    Application,
    ApplicationEvent,
    ApplicationView,
    Draft,
    LineView,
    Venue,
)
from services.grants.applications.domain.budget import BudgetLine
from services.grants.applications.domain.financing import (
    ActKind,
    DecisionAct,
    FinancingLine,
    LineDecision,
    Opinion,
    Outcome,
)
from services.grants.applications.domain.workflow import State, Transition
from services.grants.applications.models import (
    ActionRow,
    ApplicationEventRow,
    ApplicationRow,
    BudgetLineRow,
    FinancingLineRow,
)
from services.grants.applications.repository.budget_lines import BUDGET_LINES_ADDED
from services.grants.applications.repository.record import RECORD
from services.grants.applications.repository.summaries import SUMMARY_PAGES
from services.grants.institutions.models import InstitutionRow
from services.grants.institutions.repository import institution_of
from services.grants.persistence import Columns, Repository, columns_of


def application_of(row: ApplicationRow | Columns) -> Application:
    return Application(
        application_id=row.application_id,
        action_id=row.action_id,
        call_id=row.call_id,
        contract_code=row.contract_code,
        operator_id=row.operator_id,
        year=row.year,
        state=State(row.state),
        outcome=Outcome(row.outcome) if row.outcome else None,
        version=row.version,
        draft=Draft(
            title=row.title,
            description=row.description,
            primary_objective_id=row.primary_objective_id,
            other_objective_ids=tuple(row.other_objective_ids or ()),
            qpv_codes=tuple(row.qpv_codes or ()),
            codes_communes=tuple(row.codes_communes or ()),
            venues=tuple(Venue(**venue) for venue in row.venues or ()),
            served_vulnerability_zones=tuple(row.served_vulnerability_zones or ()),
            beneficiaries=dict(row.beneficiaries or {}),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            multi_year=row.multi_year,
            previous_application_id=row.previous_application_id,
            dauphin_number=row.dauphin_number,
        ),
        hors_qpv=row.hors_qpv,
        dauphin_normalised=row.dauphin_normalised,
        notified_on=row.notified_on,
    )


def budget_line_of(row: BudgetLineRow) -> BudgetLine:
    return BudgetLine(row.account, row.label, row.amount_cents, row.institution_id)


def financing_line_of(row: FinancingLineRow | Columns) -> FinancingLine:
    return FinancingLine(
        institution_id=row.institution_id,
        requested_cents=row.requested_cents,
        proposed_cents=row.proposed_cents,
        decided_cents=row.decided_cents,
        opinion=Opinion(row.opinion) if row.opinion else None,
        opinion_comment=row.opinion_comment,
        decision=LineDecision(row.decision) if row.decision else None,
        committee_id=row.committee_id,
        act=None
        if row.decision is None
        else DecisionAct(
            ActKind(row.decision_act_kind) if row.decision_act_kind else None,
            row.decision_act_number,
            row.decided_on,
        ),
        chorus_commitment=row.chorus_commitment,
    )


def set_line(row: FinancingLineRow, line: FinancingLine) -> None:
    """The row holds the line's opinion, amounts, the comité that agreed it, and its decision with its act
    (none: no act)."""
    row.requested_cents = line.requested_cents
    row.proposed_cents = line.proposed_cents
    row.decided_cents = line.decided_cents
    row.opinion = None if line.opinion is None else line.opinion.value
    row.opinion_comment = line.opinion_comment
    row.decision = None if line.decision is None else line.decision.value
    row.committee_id = line.committee_id
    row.chorus_commitment = line.chorus_commitment
    if line.act is not None:
        row.decision_act_kind = None if line.act.kind is None else line.act.kind.value
        row.decision_act_number = line.act.number
        row.decided_on = line.act.decided_on
    elif line.decision is None:
        row.decision_act_kind = row.decision_act_number = row.decided_on = None


def event_of(row: ApplicationEventRow | Columns) -> ApplicationEvent:
    return ApplicationEvent(
        at=row.at,
        actor=row.actor,
        actor_institution=row.actor_institution,
        transition=Transition(row.transition),
        from_state=State(row.from_state),
        to_state=State(row.to_state),
        reason=row.reason,
    )


def _given(row: ActionRow | ApplicationRow) -> dict[str, Any]:
    """The columns a new row was given, by name (its attributes are its columns' names)."""
    given = vars(row)
    return {column.key: given[column.key] for column in row.__table__.columns if column.key in given}


# Built once: building one and its cache key on each call cost 0.1-0.15 ms, as much as the ORM's execution.
_APPLICATION_BY_ID = select(ApplicationRow).where(ApplicationRow.application_id == bindparam("application_id"))
_APPLICATION_LOCKED = _APPLICATION_BY_ID.with_for_update()
_LINES_OF_APPLICATION = select(FinancingLineRow).where(FinancingLineRow.application_id == bindparam("application_id"))
_LINES_LOCKED = _LINES_OF_APPLICATION.with_for_update()
# The lines locked, each with its financer when it is the one asked for (null on the others' rows).
_LINES_LOCKED_WITH_FINANCER = (
    select(FinancingLineRow, InstitutionRow)
    .outerjoin(
        InstitutionRow,
        (InstitutionRow.institution_id == FinancingLineRow.institution_id)
        & (FinancingLineRow.institution_id == bindparam("institution_id")),
    )
    .where(FinancingLineRow.application_id == bindparam("application_id"))
    .with_for_update(of=FinancingLineRow)
)


class ApplicationRepository(Repository):
    async def view(self, application_id: uuid.UUID) -> ApplicationView | None:
        """The application as it reads back: its budget (in its order), each financer's line with the
        financer (in the order of their codes) and its history (in time order). One statement, compiled
        once; None: no such application."""
        found = await _VIEW(frozenset()).rows(self.session, {"application_id": application_id})
        if not found:
            return None
        row = found[0]
        *application, budget, lines, events = row
        cut = len(_LINE)
        return ApplicationView(
            application=application_of(columns_of(_APPLICATION, application)),
            budget=[BudgetLine(*line) for line in budget or ()],
            lines=[
                LineView(
                    financing_line_of(columns_of(_LINE, line[:cut])), institution_of(columns_of(_FINANCER, line[cut:]))
                )
                for line in lines or ()
            ],
            events=[event_of(columns_of(_EVENT, event)) for event in events or ()],
        )

    async def record_json(self, application_id: uuid.UUID) -> tuple[str, str, uuid.UUID, int] | None:
        """The application as ApplicationRead writes it (the JSON PostgreSQL writes of it, the same as `view`
        read into the model), its contract, operator and version; None: no such application. One statement,
        compiled once: the read of one application, which nothing is built for in Python."""
        found = await RECORD(frozenset()).rows(self.session, {"application_id": application_id})
        return None if not found else (found[0][0], found[0][1], found[0][2], found[0][3])

    async def get(self, application_id: uuid.UUID, *, for_update: bool = False) -> ApplicationRow | None:
        query = _APPLICATION_LOCKED if for_update else _APPLICATION_BY_ID
        found: ApplicationRow | None = (
            await self.session.execute(query, {"application_id": application_id})
        ).scalar_one_or_none()
        return found

    async def add_with_action(self, action: ActionRow, application: ApplicationRow) -> None:
        """A new action and its first application, in one statement (the action's INSERT in the WITH of the
        application's) rather than one round trip each. Both rows stay out of the session: what they hold
        is what was written (the columns not given take their defaults, as a flush gives them)."""
        action_table, application_table = cast(Table, ActionRow.__table__), cast(Table, ApplicationRow.__table__)
        added = insert(action_table).values(_given(action)).cte("action_added")
        await self.session.execute(insert(application_table).values(_given(application)).add_cte(added))

    async def get_action(self, action_id: uuid.UUID) -> ActionRow | None:
        return await self.session.get(ActionRow, action_id)

    async def exists_for_year(self, action_id: uuid.UUID, year: int) -> bool:
        query = select(ApplicationRow.application_id).where(
            ApplicationRow.action_id == action_id, ApplicationRow.year == year
        )
        return (await self.session.execute(query)).first() is not None

    async def previous_year(self, action_id: uuid.UUID, year: int) -> ApplicationRow | None:
        """The action's application of the year before `year`, if it had one."""
        query = select(ApplicationRow).where(ApplicationRow.action_id == action_id, ApplicationRow.year == year - 1)
        return await self._one(query)

    async def summaries_json(
        self,
        contract_code: str,
        operators: Collection[uuid.UUID] | None,
        call_id: uuid.UUID | None,
        state: str | None,
        page: PageRequest,
        counts: KeptCounts | None = None,
    ) -> tuple[str, int]:
        """A page of the contract's applications as the JSON array of ApplicationSummary items PostgreSQL
        writes (one statement, compiled once per shape of filters), and its total, kept per change of the
        contract (`counts`)."""
        given = {"operators": operators, "call_id": call_id, "state": state}
        shape = frozenset(name for name, value in given.items() if value is not None)
        values: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
        if operators is not None:
            values["operators"] = list(operators)
        mine = None if operators is None else frozenset(operators)
        kept = CountKept(counts, contract_code, ("applications", contract_code, mine, call_id, state))
        return await SUMMARY_PAGES(self.session, shape, {**values, "contract_code": contract_code}, page, kept)

    async def budget(self, application_id: uuid.UUID) -> list[BudgetLine]:
        query = select(BudgetLineRow).where(BudgetLineRow.application_id == application_id)
        return [budget_line_of(row) for row in await self._all(query.order_by(BudgetLineRow.position))]

    async def replace_budget(
        self, application_id: uuid.UUID, lines: Sequence[BudgetLine], *, raising: ApplicationRow | None = None
    ) -> list[BudgetLine]:
        """The budget's lines replaced by `lines`; the lines it had (in their order), which the DELETE
        returns: one round trip fewer than reading them first. `raising`: the application (locked by the
        caller), whose version the DELETE's statement raises by one (an UPDATE in its WITH: one round trip
        fewer than the UPDATE its flush would send), a budget being written through its application."""
        gone = delete(BudgetLineRow).where(BudgetLineRow.application_id == application_id)
        if raising is not None:
            version = raising.version + 1
            raised = update(cast(Table, ApplicationRow.__table__)).where(
                ApplicationRow.application_id == application_id
            )
            gone = gone.add_cte(raised.values(version=version).cte("version_raised"))
        replaced = await self.session.execute(
            gone.returning(
                BudgetLineRow.position,
                BudgetLineRow.account,
                BudgetLineRow.label,
                BudgetLineRow.amount_cents,
                BudgetLineRow.institution_id,
            )
        )
        before = [
            BudgetLine(account, label, amount_cents, institution_id)
            for _, account, label, amount_cents, institution_id in sorted(replaced.all(), key=lambda line: line[0])
        ]
        if raising is not None:
            set_committed_value(raising, "version", version)  # written: nothing left for the flush
        if lines:
            values = {
                "application_id": application_id,
                "positions": list(range(len(lines))),
                "accounts": [line.account for line in lines],
                "labels": [line.label for line in lines],
                "amounts": [line.amount_cents for line in lines],
                "institutions": [line.institution_id for line in lines],
            }
            await self.session.execute(BUDGET_LINES_ADDED, values)
        return before

    async def financing(self, application_id: uuid.UUID, *, for_update: bool = False) -> list[FinancingLineRow]:
        query = _LINES_LOCKED if for_update else _LINES_OF_APPLICATION
        return list((await self.session.execute(query, {"application_id": application_id})).scalars().all())

    async def financing_with_financer(
        self, application_id: uuid.UUID, institution_id: uuid.UUID
    ) -> tuple[list[FinancingLineRow], tuple[FinancingLineRow, InstitutionRow] | None]:
        """The application's financing lines, locked, and its line by `institution_id` with that financer
        (None: it has none), in one statement."""
        rows = (
            await self.session.execute(
                _LINES_LOCKED_WITH_FINANCER, {"application_id": application_id, "institution_id": institution_id}
            )
        ).all()
        asked = next(((line, financer) for line, financer in rows if financer is not None), None)
        return [line for line, _financer in rows], asked

    async def remove_financing(self, application_id: uuid.UUID, institutions: Collection[uuid.UUID]) -> None:
        if not institutions:
            return
        await self.session.execute(
            delete(FinancingLineRow).where(
                FinancingLineRow.application_id == application_id,
                FinancingLineRow.institution_id.in_(list(institutions)),
            )
        )

    async def events(self, application_id: uuid.UUID) -> list[ApplicationEvent]:
        query = select(ApplicationEventRow).where(ApplicationEventRow.application_id == application_id)
        return [
            event_of(row)
            for row in await self._all(query.order_by(ApplicationEventRow.at, ApplicationEventRow.recorded_order))
        ]


_APPLICATION = tuple(ApplicationRow.__table__.columns)
_LINE = tuple(FinancingLineRow.__table__.columns)
_FINANCER = tuple(InstitutionRow.__table__.columns)
_EVENT = tuple(ApplicationEventRow.__table__.columns)


def records_array(*columns: Any, order: Any) -> Any:
    """The rows of `columns` (correlated to the application read) as one array of records, in `order` (a
    column or a tuple of them)."""
    return func.array_agg(aggregate_order_by(tuple_(*columns), *(order if isinstance(order, tuple) else (order,))))


def _view_statement(_: frozenset[str]) -> tuple[ClauseElement, frozenset[str]]:
    """The application's columns, then its budget lines, its financing lines each with its financer's
    columns, and its events, each an array of records (ApplicationRepository.view reads them)."""
    application_id = ApplicationRow.application_id
    budget = (
        select(
            records_array(
                BudgetLineRow.account,
                BudgetLineRow.label,
                BudgetLineRow.amount_cents,
                BudgetLineRow.institution_id,
                order=BudgetLineRow.position,
            )
        )
        .where(BudgetLineRow.application_id == application_id)
        .scalar_subquery()
    )
    lines = (
        select(records_array(*_LINE, *_FINANCER, order=InstitutionRow.code.collate("C")))
        .join_from(FinancingLineRow, InstitutionRow, InstitutionRow.institution_id == FinancingLineRow.institution_id)
        .where(FinancingLineRow.application_id == application_id)
        .scalar_subquery()
    )
    events = (
        select(records_array(*_EVENT, order=(ApplicationEventRow.at, ApplicationEventRow.recorded_order)))
        .where(ApplicationEventRow.application_id == application_id)
        .scalar_subquery()
    )
    statement = select(*_APPLICATION, budget, lines, events).where(
        application_id == bindparam("application_id", type_=Uuid)
    )
    return statement, frozenset({"application_id"})


_VIEW = CompiledOnce(_view_statement)
