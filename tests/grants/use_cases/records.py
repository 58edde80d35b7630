"""A programmation year made by grants' own use cases inside a unit of work rolled back at the test's end
(tests/use_case_sessions.py): a contract's call, framework, financers and two operators, the people who act
on it, and applications played to the state a test needs. What tests/grants/playbook.py does over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from identity.principal import Principal, Role
from kit.compiled_statements import compile_statement, unbound
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import ApplicationView, Draft, NewApplication
from services.grants.applications.domain.budget import BudgetLine
from services.grants.applications.domain.financing import ActKind, Deciding, DecisionAct, LineDecision
from services.grants.applications.domain.workflow import Transition
from services.grants.applications.models import ApplicationRow
from services.grants.applications.use_cases.drafting import create_application, replace_budget
from services.grants.applications.use_cases.financing import decide_line
from services.grants.applications.use_cases.workflow import move
from services.grants.calls.domain import Calendar, CallForProjects, Scheme
from services.grants.calls.repository import CallRepository
from services.grants.calls.use_cases import open_call
from services.grants.clients.territories import References
from services.grants.errors import RulesBrokenError
from services.grants.framework.domain import framework_from_document
from services.grants.framework.use_cases import replace_framework
from services.grants.institutions.domain import DEFAULT_SUBLINE, Institution, InstitutionKind
from services.grants.institutions.use_cases import register_institution
from services.grants.operators.domain import Operator, OperatorProfile
from services.grants.operators.use_cases import register_operator
from services.grants.persistence import ledger
from services.grants.programmation.domain.tables import ProgrammationFilter
from services.grants.programmation.repository.kept_sums import KEPT_TOTALS, kept_count
from services.grants.programmation.repository.statements import TOTALS, chosen_applications, shape_of, values_of
from services.grants.programmation.use_cases.envelopes import set_envelope
from services.grants.reports.domain import ActualLine
from tests.clock import FixedClock
from tests.grants.playbook import FRAMEWORK

# The instant the use-case tests act at unless a test moves it (their units of work's clock): in 2025, the year
# of the calls, which has not ended yet.
NOW = datetime(2025, 11, 20, 9, 30, tzinfo=UTC)
FINANCERS = (("etat-p147", InstitutionKind.STATE_P147), ("cua", InstitutionKind.EPCI), ("caf-62", InstitutionKind.CAF))
SIRETS = ("73282932000074", "35600000049837")


def person(
    contract: str, role: Role, institution: str | None = None, organisation: uuid.UUID | None = None
) -> Principal:
    """Someone working on the contract with one role (for one institution, bound to one operator)."""
    return Principal(
        subject=f"{role.value}-{institution or organisation}",
        kind="user",
        institution=institution,
        roles=frozenset({role}),
        contracts=frozenset({contract}),
        organisations=frozenset({str(organisation)} if organisation else ()),
    )


@dataclass(frozen=True, slots=True)
class Year:
    """A contract's call of one year, in the unit of work the test runs its use cases in, and who acts on it."""

    uow: UnitOfWork
    clock: FixedClock  # the unit of work's: a test moves it by setting its instant
    references: References
    contract: str
    call_id: uuid.UUID
    objective_id: uuid.UUID
    institutions: dict[str, uuid.UUID]
    operator_id: uuid.UUID
    other_operator_id: uuid.UUID

    @property
    def pilot(self) -> Principal:
        """The contract's pilot, of the CUA: it decides the CUA's own line too."""
        return person(self.contract, Role.CONTRACT_PILOT, "cua")

    @property
    def state(self) -> Principal:
        return person(self.contract, Role.STATE, "etat-p147")

    @property
    def caf(self) -> Principal:
        """A co-financer of the contract."""
        return person(self.contract, Role.CO_FINANCER, "caf-62")

    @property
    def operator(self) -> Principal:
        return person(self.contract, Role.OPERATOR, organisation=self.operator_id)

    @property
    def other_operator(self) -> Principal:
        return person(self.contract, Role.OPERATOR, organisation=self.other_operator_id)


async def open_year(
    uow: UnitOfWork, clock: FixedClock, references: References, contract: str, call_year: int = 2025
) -> Year:
    """The contract's call of `call_year`, its framework, its three financers and two operators."""
    pilot = person(contract, Role.CONTRACT_PILOT, "cua")
    await replace_framework(uow, references.contracts, pilot, contract, FRAMEWORK)
    objective_id = framework_from_document(contract, FRAMEWORK)[-1].objective_id
    institutions = {}
    for code, kind in FINANCERS:
        institution = Institution(
            institution_id=uuid.uuid4(),
            contract_code=contract,
            code=code,
            nom=code.upper(),
            kind=kind,
            cerfa_subline=DEFAULT_SUBLINE[kind],
            dauphin_funder_title=None,
            siret="13000553100004" if kind is InstitutionKind.STATE_P147 else None,
        )
        institutions[code] = (await register_institution(uow, references.contracts, pilot, institution)).institution_id
    operators = [
        await register_operator(
            uow,
            references.contracts,
            pilot,
            Operator(
                operator_id=uuid.uuid4(),
                contract_code=contract,
                nom=f"Asso {siret[-4:]}",
                profile=OperatorProfile.ASSOCIATION,
                legal_form=None,
                address=None,
                code_commune=None,
                siret=siret,
                rna=None,
                dauphin_tiers=None,
            ),
        )
        for siret in SIRETS
    ]
    year = Year(
        uow=uow,
        clock=clock,
        references=references,
        contract=contract,
        call_id=uuid.uuid4(),
        objective_id=objective_id,
        institutions=institutions,
        operator_id=operators[0].operator_id,
        other_operator_id=operators[1].operator_id,
    )
    return await next_call(year, call_year)


async def next_call(year: Year, call_year: int) -> Year:
    """The same contract with its call of another year."""
    call = CallForProjects(
        call_id=uuid.uuid4(),
        contract_code=year.contract,
        year=call_year,
        scheme=Scheme.P147,
        title=f"Appel à projets {call_year}",
        calendar=Calendar(date(call_year - 1, 10, 1), date(call_year - 1, 11, 30), date(call_year, 2, 15)),
    )
    await open_call(year.uow, year.references.contracts, year.pilot, call)
    return replace(year, call_id=call.call_id)


async def vote(year: Year, code: str, amount_cents: int = 50_000_000) -> None:
    """The financer's envelope for the year's call: its credits are voted."""
    await set_envelope(year.uow, year.pilot, year.call_id, year.institutions[code], amount_cents, None)


def budget(year: Year, *, p147: int = 800_000, cua: int = 400_000) -> list[BudgetLine]:
    """A balanced CERFA budget of 15,000 €, asking `p147` of the State and `cua` of the CUA (cents)."""
    return [
        BudgetLine("60", "Achats", 300_000),
        BudgetLine("64", "Salaires", 1_200_000),
        BudgetLine("74", "État P147", p147, year.institutions["etat-p147"]),
        BudgetLine("74", "CUA", cua, year.institutions["cua"]),
        BudgetLine("75", "Cotisations", 1_500_000 - p147 - cua),
        BudgetLine("86", "Bénévolat", 200_000),
        BudgetLine("87", "Contributions", 200_000),
    ]


async def drafted(
    year: Year, operator: Principal | None = None, action_id: uuid.UUID | None = None, **draft: Any
) -> ApplicationView:
    """A draft for the year's call of a new action (or of `action_id`'s), by an operator (the first unless told)."""
    author = operator or year.operator
    operator_id = year.other_operator_id if author == year.other_operator else year.operator_id
    written = Draft(
        **{
            "title": "Ateliers de quartier",
            "primary_objective_id": year.objective_id,
            "qpv_codes": ("QN06258M",),
            "beneficiaries": {"total": 120, "share_in_qpv_percent": 80},  # as the route keeps them (names, not aliases)
            "starts_on": date(2025, 9, 1),
            "ends_on": date(2026, 6, 30),
            **draft,
        }
    )
    new = NewApplication(year.call_id, operator_id, action_id, written)
    return await create_application(year.uow, year.references, author, new)


async def budgeted(year: Year, operator: Principal | None = None, **draft: Any) -> uuid.UUID:
    """A new draft with its budget (`lines`, or the default one)."""
    author = operator or year.operator
    lines = draft.pop("lines", None) or budget(year)
    application = (await drafted(year, author, **draft)).application.application_id
    await replace_budget(year.uow, author, application, lines)
    return application


async def submit(year: Year, application: uuid.UUID, operator: Principal | None = None) -> None:
    """The operator's submission on its call's closing day (in time), the clock then back where it was."""
    async with year.uow.reading():
        row = await CallRepository(year.uow.session).get(year.call_id)
    assert row is not None
    kept = year.clock.instant
    year.clock.instant = datetime.combine(row.closes_on, kept.timetz())
    try:
        await move(year.uow, operator or year.operator, application, Transition.SUBMIT, None)
    finally:
        year.clock.instant = kept


async def submitted(year: Year, operator: Principal | None = None, **draft: Any) -> uuid.UUID:
    """A new draft with its budget, submitted in time by its operator."""
    application = await budgeted(year, operator, **draft)
    await submit(year, application, operator)
    return application


def act_of(code: str, decided_cents: int, day: date) -> Deciding:
    """A financer's act deciding `decided_cents` (0: refused): the State's arrêté, the others' deliberation."""
    return Deciding(
        decision=LineDecision.GRANTED if decided_cents else LineDecision.REFUSED,
        decided_cents=decided_cents,
        act=DecisionAct(ActKind.ARRETE if code == "etat-p147" else ActKind.DELIBERATION, f"{code}-1", day),
    )


async def decide(year: Year, application: uuid.UUID, decided: Mapping[str, int]) -> None:
    """A submitted application instructed and proposed, each financer deciding its amount by its act (cents;
    0: refused), dated the clock's day: the last decision decides the application."""
    for transition in (Transition.DECLARE_RECEIVABLE, Transition.INSTRUCT):
        await move(year.uow, year.state, application, transition, None)
    await move(year.uow, year.pilot, application, Transition.PROPOSE, None)
    for code, actor in (("etat-p147", year.state), ("cua", year.pilot)):
        day = year.clock.instant.date()
        await decide_line(year.uow, actor, application, year.institutions[code], act_of(code, decided[code], day))


async def notify(year: Year, application: uuid.UUID) -> ApplicationView:
    """The State's notification, its letter dated the clock's day."""
    return await move(year.uow, year.state, application, Transition.NOTIFY, None, year.clock.instant.date())


DECIDED = {"etat-p147": 700_001, "cua": 400_000}


async def notified(year: Year, decided: Mapping[str, int] = DECIDED, **draft: Any) -> uuid.UUID:
    """A new application submitted, decided (7,000.01 € by the State and 4,000 € by the CUA unless told) and
    notified."""
    application = await submitted(year, **draft)
    await decide(year, application, decided)
    await notify(year, application)
    return application


async def audit_trail(uow: UnitOfWork, entity_id: str) -> list[tuple[str, str | None]]:
    """The audit events kept of one record, oldest first: (action, reason)."""
    events = ledger.audit_events
    query = (
        select(events.c.action, events.c.reason)
        .where(events.c.entity_id == entity_id)
        .order_by(events.c.audit_event_id)
    )
    async with uow.reading():
        return [(action, reason) for action, reason in (await uow.session.execute(query)).all()]


def report_of(lines: list[BudgetLine]) -> list[ActualLine]:
    """A financial report that spent what the budget planned."""
    return [ActualLine(line.account, line.label, line.amount_cents, None, line.institution_id) for line in lines]


def rules_of(broken: RulesBrokenError) -> list[str]:
    return [rule.rule for rule in broken.broken]


def _figures(rows: Any) -> list[tuple[Any, ...]]:
    """The rows of a totals statement, comparable: numbers as ints, the kept statement's own row left out."""
    return sorted(
        (
            tuple(int(value) if isinstance(value, int | Decimal) else value for value in row)
            for row in rows
            if row[0] != "kept"
        ),
        key=repr,
    )


async def kept_and_counted_list(year: Year, chosen: ProgrammationFilter) -> tuple[int, int]:
    """The count of the programmation list of these filters as the kept sums give it, and counted from the
    applications its filters choose."""
    shape, values = shape_of(chosen), values_of(chosen)
    kept_list = kept_count(shape)
    assert kept_list is not None, "the list of these filters counts from the kept sums"
    listed = chosen_applications(shape, ApplicationRow.application_id)
    counted_list = select(func.count()).select_from(listed.subquery())
    async with year.uow.reading():
        kept = await compile_statement(*kept_list).rows(year.uow.session, values)
        counted = await compile_statement(counted_list, unbound(counted_list)).rows(year.uow.session, values)
    return int(kept[0][0]), int(counted[0][0])


async def kept_and_computed(
    year: Year, chosen: ProgrammationFilter
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The totals as the kept sums give them and as computed from the applications and lines, each with the
    count of the programmation list of the same filters (`list`: kept, and counted from the applications)."""
    shape, values = shape_of(chosen), values_of(chosen)
    async with year.uow.reading():
        computed = await TOTALS(shape).rows(year.uow.session, values)
        kept = await KEPT_TOTALS(shape).rows(year.uow.session, values)
    kept_list, counted_list = await kept_and_counted_list(year, chosen)
    return _figures([*kept, ("list", kept_list)]), _figures([*computed, ("list", counted_list)])
