"""The applications' queries: actions, applications, their budget lines, financing lines and events."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ClauseElement,
    Integer,
    Select,
    Text,
    Uuid,
    any_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from kit.compiled_statements import CompiledOnce
from kit.pagination import KeptCounts, PageRequest, kept_total
from services.grants.applications.domain.application import Application, ApplicationEvent, Draft, Venue
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
from services.grants.persistence import Repository


def application_of(row: ApplicationRow) -> Application:
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


def financing_line_of(row: FinancingLineRow) -> FinancingLine:
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
    """The row holds the line's opinion, amounts, the comité that agreed it, and its decision with its act."""
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


def event_of(row: ApplicationEventRow) -> ApplicationEvent:
    return ApplicationEvent(
        at=row.at,
        actor=row.actor,
        actor_institution=row.actor_institution,
        transition=Transition(row.transition),
        from_state=State(row.from_state),
        to_state=State(row.to_state),
        reason=row.reason,
    )


class ApplicationRepository(Repository):
    async def get(self, application_id: uuid.UUID, *, for_update: bool = False) -> ApplicationRow | None:
        query = select(ApplicationRow).where(ApplicationRow.application_id == application_id)
        return await self._one(query, for_update=for_update)

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
        values |= {"contract_code": contract_code, "limit": page.limit, "longer": page.limit + 1}
        [(text, rows_found)] = await _SUMMARIES(shape).rows(self.session, {**values, "offset": page.offset})

        async def counted() -> int:
            [(count,)] = await _COUNTS(shape).rows(self.session, values)
            return int(count)

        mine = None if operators is None else frozenset(operators)
        key = ("applications", contract_code, mine, call_id, state)
        return text, await kept_total(counts, contract_code, key, rows_found, page, counted)

    async def budget(self, application_id: uuid.UUID) -> list[BudgetLine]:
        query = select(BudgetLineRow).where(BudgetLineRow.application_id == application_id)
        return [budget_line_of(row) for row in await self._all(query.order_by(BudgetLineRow.position))]

    async def replace_budget(self, application_id: uuid.UUID, lines: Sequence[BudgetLine]) -> None:
        await self.session.execute(delete(BudgetLineRow).where(BudgetLineRow.application_id == application_id))
        await self.add(
            *(
                BudgetLineRow(
                    application_id=application_id,
                    position=position,
                    account=line.account,
                    label=line.label,
                    amount_cents=line.amount_cents,
                    institution_id=line.institution_id,
                )
                for position, line in enumerate(lines)
            )
        )

    async def financing(self, application_id: uuid.UUID, *, for_update: bool = False) -> list[FinancingLineRow]:
        query = select(FinancingLineRow).where(FinancingLineRow.application_id == application_id)
        return await self._all(query.with_for_update() if for_update else query)

    async def remove_financing(self, application_id: uuid.UUID, institutions: Collection[uuid.UUID]) -> None:
        await self.session.execute(
            delete(FinancingLineRow).where(
                FinancingLineRow.application_id == application_id,
                FinancingLineRow.institution_id.in_(list(institutions)),
            )
        )

    async def events(self, application_id: uuid.UUID) -> list[ApplicationEvent]:
        query = select(ApplicationEventRow).where(ApplicationEventRow.application_id == application_id)
        return [event_of(row) for row in await self._all(query.order_by(ApplicationEventRow.at))]


def _chosen(shape: frozenset[str], *columns: Any) -> Select[Any]:
    """The applications of a contract, narrowed by the filters of the shape (each a named parameter)."""
    query = select(*columns).where(ApplicationRow.contract_code == bindparam("contract_code", type_=Text))
    if "operators" in shape:
        query = query.where(ApplicationRow.operator_id == any_(bindparam("operators", type_=ARRAY(Uuid))))
    if "state" in shape:
        query = query.where(ApplicationRow.state == bindparam("state", type_=Text))
    if "call_id" in shape:
        query = query.where(ApplicationRow.call_id == bindparam("call_id", type_=Uuid))
    return query


def _in_order(columns: Any, shape: frozenset[str]) -> tuple[Any, ...]:
    """The list's order: by year (latest first), title and id; one call is one year, its title order the
    index's."""
    by_title = (columns.title, columns.application_id)
    return by_title if "call_id" in shape else (columns.year.desc(), *by_title)


def _summaries_statement(shape: frozenset[str]) -> tuple[ClauseElement, frozenset[str]]:
    """A page of summaries (one row longer than shown: it tells whether rows lie beyond) as JSON, and how
    many rows the page found."""
    columns = (
        ApplicationRow.application_id,
        ApplicationRow.action_id,
        ApplicationRow.operator_id,
        ApplicationRow.year,
        ApplicationRow.title,
        ApplicationRow.state,
        ApplicationRow.outcome,
        ApplicationRow.qpv_codes,
        ApplicationRow.served_vulnerability_zones,
        ApplicationRow.hors_qpv,
        ApplicationRow.version,
    )
    rows = (
        _chosen(shape, *columns)
        .order_by(*_in_order(ApplicationRow, shape))
        .limit(bindparam("longer", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .cte("page")
    )
    shown = select(rows).order_by(*_in_order(rows.c, shape)).limit(bindparam("limit", type_=Integer)).subquery("shown")
    item = func.json_build_object(
        *("id", shown.c.application_id, "actionId", shown.c.action_id, "operatorId", shown.c.operator_id),
        *("year", shown.c.year, "title", shown.c.title, "state", shown.c.state, "outcome", shown.c.outcome),
        *("qpvCodes", shown.c.qpv_codes, "horsQpv", func.cardinality(shown.c.qpv_codes) == 0),
        *("servedVulnerabilityZones", shown.c.served_vulnerability_zones),
        *("countedInVulnerabilityCap", shown.c.hors_qpv, "version", shown.c.version),
    )
    in_order = aggregate_order_by(item, *_in_order(shown.c, shape))
    items = cast(func.coalesce(func.json_agg(in_order), literal_column("'[]'::json")), Text)
    found = select(func.count()).select_from(rows).scalar_subquery()
    return select(items, found).select_from(shown), shape | {"contract_code", "limit", "longer", "offset"}


def _count_statement(shape: frozenset[str]) -> tuple[ClauseElement, frozenset[str]]:
    return select(func.count()).select_from(_chosen(shape, literal(1)).subquery()), shape | {"contract_code"}


_SUMMARIES = CompiledOnce(_summaries_statement)
_COUNTS = CompiledOnce(_count_statement)
