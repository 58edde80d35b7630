"""Payments' use cases on the real database, in a transaction rolled back at the test's end: the tranches of
a financer's decided amount adding up to the cent, who plans and pays which line, the gates a payment waits
for and their reasoned override, failed payments reissued."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.grants.applications.domain.workflow import Transition
from services.grants.applications.use_cases.access import get_application
from services.grants.applications.use_cases.workflow import move
from services.grants.errors import (
    ForbiddenMoveError,
    NotEditableError,
    NotFoundError,
    RulesBrokenError,
    RuleViolationError,
)
from services.grants.payments.domain import PlannedTranche, TrancheKind, TrancheStatus
from services.grants.payments.use_cases import (
    Payment,
    fail_tranche,
    line_tranches,
    list_tranches,
    pay_tranche,
    plan_tranches,
    reissue_tranche,
)
from services.grants.reports.domain import ReportReview
from services.grants.reports.use_cases import review_report, submit_report
from tests.grants.use_cases.records import (
    Year,
    audit_trail,
    budget,
    budgeted,
    decide,
    next_call,
    notified,
    notify,
    report_of,
    rules_of,
    submitted,
    vote,
)

ADVANCE, INSTALMENT, BALANCE, SINGLE = (
    TrancheKind.ADVANCE,
    TrancheKind.INSTALMENT,
    TrancheKind.BALANCE,
    TrancheKind.SINGLE,
)

Plan = list[tuple[PlannedTranche, date | None]]


def weighted(*kinds: TrancheKind) -> Plan:
    return [(PlannedTranche(kind, 1, None), None) for kind in kinds]


def amounts(*tranches: tuple[TrancheKind, int]) -> Plan:
    return [(PlannedTranche(kind, None, cents), None) for kind, cents in tranches]


def paid(cents: int, on: date = date(2025, 3, 15), reason: str | None = None) -> Payment:
    return Payment(cents, on, "2103814945", "DP-1", reason)


async def test_weighted_tranches_add_up_to_the_decided_cent_and_an_unpaid_plan_is_replaced(year: Year) -> None:
    application = await notified(year)
    state = year.institutions["etat-p147"]
    planned = await plan_tranches(year.uow, year.state, application, state, weighted(ADVANCE, INSTALMENT, BALANCE))
    assert [tranche.planned_cents for tranche in planned] == [233_334, 233_334, 233_333]
    assert sum(tranche.planned_cents for tranche in planned) == 700_001, "7 000,01 € exactly"
    assert [(tranche.position, tranche.kind, tranche.status) for tranche in planned] == [
        (0, ADVANCE, TrancheStatus.PLANNED),
        (1, INSTALMENT, TrancheStatus.PLANNED),
        (2, BALANCE, TrancheStatus.PLANNED),
    ]
    given = [(PlannedTranche(ADVANCE, None, 300_001), date(2025, 3, 1)), (PlannedTranche(BALANCE, None, 400_000), None)]
    replanned = await plan_tranches(year.uow, year.state, application, state, given)
    assert [(tranche.planned_cents, tranche.planned_on) for tranche in replanned] == [
        (300_001, date(2025, 3, 1)),
        (400_000, None),
    ]
    assert await line_tranches(year.uow, year.operator, application, state) == replanned
    assert await audit_trail(year.uow, str(application)) == [
        ("application.created", None),
        ("application.budget_replaced", None),
        *[(f"application.{move}", None) for move in ("submit", "declare_receivable", "instruct")],
        ("application.propose", None),
        ("application.decide", "décision de CUA"),  # the last financer's decision decided it
        ("application.notify", None),
        ("tranches.planned", None),
        ("tranches.planned", None),
    ]


async def test_a_plan_that_breaks_a_rule_is_refused_naming_it_and_nothing_is_planned(year: Year) -> None:
    application = await notified(year)
    state = year.institutions["etat-p147"]
    wrong_plans: dict[str, Plan] = {
        "tranches-add-up": amounts((ADVANCE, 300_000), (BALANCE, 400_000)),
        "one-way": [(PlannedTranche(ADVANCE, None, 300_000), None), (PlannedTranche(BALANCE, 1, None), None)],
        "balance-last": weighted(BALANCE, ADVANCE),
        "advance-first": weighted(INSTALMENT, ADVANCE),
        "single-alone": weighted(SINGLE, BALANCE),
        "at-least-one": [],
        "amount-or-weight": [(PlannedTranche(SINGLE, None, None), None)],
        "positive-weights": [(PlannedTranche(ADVANCE, 0, None), None), (PlannedTranche(BALANCE, 0, None), None)],
        "positive-amount": amounts((ADVANCE, 700_001), (BALANCE, 0)),
    }
    for rule, plan in wrong_plans.items():
        with pytest.raises(RuleViolationError) as refused:
            await plan_tranches(year.uow, year.state, application, state, plan)
        assert refused.value.rule == rule
    assert await line_tranches(year.uow, year.state, application, state) == []


async def test_only_the_financer_plans_and_pays_its_own_line(year: Year) -> None:
    application = await notified(year)
    state = year.institutions["etat-p147"]
    for someone_else in (year.caf, year.operator, year.pilot):
        with pytest.raises(ForbiddenMoveError):
            await plan_tranches(year.uow, someone_else, application, state, weighted(SINGLE))
    with pytest.raises(NotFoundError):
        await plan_tranches(year.uow, year.other_operator, application, state, weighted(SINGLE))
    (tranche,) = await plan_tranches(year.uow, year.state, application, state, weighted(SINGLE))
    await vote(year, "etat-p147")
    with pytest.raises(ForbiddenMoveError):
        await pay_tranche(year.uow, year.pilot, tranche.tranche_id, paid(700_001))
    with pytest.raises(NotFoundError):
        await list_tranches(year.uow, year.other_operator, application)
    (cua_tranche,) = await plan_tranches(year.uow, year.pilot, application, year.institutions["cua"], weighted(SINGLE))
    assert cua_tranche.planned_cents == 400_000, "the CUA's pilot plans the CUA's line"


async def test_tranches_are_planned_once_decided_and_paid_once_notified(year: Year) -> None:
    application = await submitted(year)
    state, cua = year.institutions["etat-p147"], year.institutions["cua"]
    with pytest.raises(NotEditableError):
        await plan_tranches(year.uow, year.state, application, state, weighted(SINGLE))
    await decide(year, application, {"etat-p147": 700_001, "cua": 0})
    (tranche,) = await plan_tranches(year.uow, year.state, application, state, weighted(SINGLE))
    with pytest.raises(RuleViolationError) as nothing_decided:
        await plan_tranches(year.uow, year.pilot, application, cua, weighted(SINGLE))
    assert nothing_decided.value.rule == "decided-amount"
    await vote(year, "etat-p147")
    with pytest.raises(NotEditableError):
        await pay_tranche(year.uow, year.state, tranche.tranche_id, paid(700_001))
    await notify(year, application)
    assert (await pay_tranche(year.uow, year.state, tranche.tranche_id, paid(700_001))).status is TrancheStatus.PAID


async def test_a_payment_stays_within_its_tranche_and_waits_for_the_credits_vote(year: Year) -> None:
    application = await notified(year)
    state = year.institutions["etat-p147"]
    advance, *_ = await plan_tranches(year.uow, year.state, application, state, weighted(ADVANCE, BALANCE))
    with pytest.raises(RulesBrokenError) as waiting:
        await pay_tranche(year.uow, year.state, advance.tranche_id, paid(350_001))
    assert rules_of(waiting.value) == ["credits-voted"]
    with pytest.raises(RulesBrokenError):
        await pay_tranche(year.uow, year.state, advance.tranche_id, paid(350_001, reason="  "))
    await vote(year, "etat-p147")
    for cents, rule in ((350_002, "paid-within-tranche"), (0, "positive-amount")):
        with pytest.raises(RuleViolationError) as refused:
            await pay_tranche(year.uow, year.state, advance.tranche_id, paid(cents))
        assert refused.value.rule == rule
    payment = await pay_tranche(year.uow, year.state, advance.tranche_id, paid(350_001))
    assert (payment.status, payment.paid_cents, payment.paid_on) == (TrancheStatus.PAID, 350_001, date(2025, 3, 15))
    assert (payment.chorus_commitment, payment.chorus_payment, payment.overridden_gates) == ("2103814945", "DP-1", ())
    assert payment.version == advance.version + 1
    with pytest.raises(NotEditableError):
        await pay_tranche(year.uow, year.state, advance.tranche_id, paid(1))
    with pytest.raises(NotEditableError):
        await plan_tranches(year.uow, year.state, application, state, weighted(SINGLE))
    assert await audit_trail(year.uow, str(advance.tranche_id)) == [("tranche.paid", None)]


async def test_a_gate_is_overridden_with_its_reason_kept_beside_the_payment(year: Year) -> None:
    application = await notified(year)
    (tranche,) = await plan_tranches(year.uow, year.pilot, application, year.institutions["cua"], weighted(SINGLE))
    forced = await pay_tranche(year.uow, year.pilot, tranche.tranche_id, paid(400_000, reason="Vote du 12 mars, PV"))
    assert (forced.overridden_gates, forced.override_reason) == (("credits-voted",), "Vote du 12 mars, PV")
    assert await audit_trail(year.uow, str(tranche.tranche_id)) == [("tranche.paid", "Vote du 12 mars, PV")]


async def test_a_failed_payment_is_reissued_as_a_new_tranche_of_its_amount(year: Year) -> None:
    application = await notified(year)
    state = year.institutions["etat-p147"]
    await vote(year, "etat-p147")
    advance, balance = await plan_tranches(year.uow, year.state, application, state, weighted(ADVANCE, BALANCE))
    with pytest.raises(NotEditableError):
        await fail_tranche(year.uow, year.state, advance.tranche_id, "RIB clôturé")
    with pytest.raises(NotEditableError):
        await reissue_tranche(year.uow, year.state, advance.tranche_id)
    await pay_tranche(year.uow, year.state, advance.tranche_id, paid(350_001))
    with pytest.raises(RuleViolationError) as unexplained:
        await fail_tranche(year.uow, year.state, advance.tranche_id, " ")
    assert unexplained.value.rule == "reason-required"
    failed = await fail_tranche(year.uow, year.state, advance.tranche_id, "RIB clôturé")
    assert (failed.status, failed.failure_reason) == (TrancheStatus.FAILED, "RIB clôturé")
    reissued = await reissue_tranche(year.uow, year.state, advance.tranche_id)
    assert (reissued.replaces, reissued.planned_cents, reissued.position, reissued.status) == (
        advance.tranche_id,
        350_001,
        advance.position,
        TrancheStatus.PLANNED,
    )
    with pytest.raises(NotEditableError):
        await reissue_tranche(year.uow, year.state, advance.tranche_id)
    again = await pay_tranche(year.uow, year.state, reissued.tranche_id, paid(350_001))
    assert again.status is TrancheStatus.PAID, "the failed payment no longer counts against the decided amount"
    listed = await list_tranches(year.uow, year.operator, application)
    assert sorted(tranche.status for tranche in listed) == ["paid", "planned", "replaced"]
    assert balance.tranche_id in {tranche.tranche_id for tranche in listed}
    assert [action for action, _ in await audit_trail(year.uow, str(advance.tranche_id))] == [
        "tranche.paid",
        "tranche.failed",
        "tranche.reissued",
    ]


async def test_the_previous_years_report_comes_before_a_new_request_and_gates_its_payments(year: Year) -> None:
    first = await notified(year)  # in November 2025 (NOW): its year has not ended
    action = (await get_application(year.uow, year.operator, first)).application.action_id
    second_year = await next_call(year, 2026)
    renewal = await budgeted(second_year, action_id=action, previous_application_id=first)
    await move(year.uow, year.operator, renewal, Transition.SUBMIT, None)

    year.clock.instant = datetime(2026, 3, 2, 9, tzinfo=UTC)  # 2025 has ended: its report before any request
    another = await budgeted(second_year, title="Chantiers jeunes")
    with pytest.raises(RulesBrokenError) as early:
        await move(year.uow, year.operator, another, Transition.SUBMIT, None)
    # Late too (the 2026 call closed on 30 November 2025): every broken rule named at once.
    assert rules_of(early.value) == ["submitted-before-closing", "report-before-new-request"]
    late = "Dossier arrivé par courrier le 28 novembre, enregistré après la clôture"
    theirs = await budgeted(second_year, year.other_operator, title="Jardin partagé")
    await move(year.uow, year.pilot, theirs, Transition.SUBMIT, late)  # the report awaited is not their operator's
    await submit_report(year.uow, year.operator, first, report_of(budget(year)))
    await move(year.uow, year.pilot, another, Transition.SUBMIT, late)  # a pilot's exception for a late file

    await decide(second_year, renewal, {"etat-p147": 700_001, "cua": 400_000})
    await notify(year, renewal)
    await vote(second_year, "etat-p147")
    state = year.institutions["etat-p147"]
    (tranche,) = await plan_tranches(year.uow, year.state, renewal, state, weighted(SINGLE))
    with pytest.raises(RulesBrokenError) as gated:
        await pay_tranche(year.uow, year.state, tranche.tranche_id, paid(700_001, on=date(2026, 3, 15)))
    assert rules_of(gated.value) == ["previous-report-accepted"]
    await review_report(year.uow, year.state, first, ReportReview.ACCEPT, None)
    payment = await pay_tranche(year.uow, year.state, tranche.tranche_id, paid(700_001, on=date(2026, 3, 15)))
    assert (payment.status, payment.overridden_gates) == (TrancheStatus.PAID, ())
