"""The rules of the financers' own decisions, of the comité's freeze, and of the cycle's dates and gates,
as plain functions."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from identity.principal import Role
from services.grants.applications.domain.financing import (
    ActKind,
    Deciding,
    DecisionAct,
    FinancingLine,
    LineDecision,
    Opinion,
    Outcome,
    changed_line,
    every_line_decided,
    outcome_of,
    proposed_by_committee,
)
from services.grants.applications.domain.financing import decided_by_act as decided
from services.grants.applications.domain.workflow import (
    State,
    Transition,
    check_in_time,
    check_notification_letter,
    moved,
)
from services.grants.errors import NotEditableError, RulesBrokenError, RuleViolationError
from services.grants.payments.domain import Gate, TrancheKind, report_gates
from services.grants.programmation.domain.portfolio import ApplicationFacts, PortfolioRules, Readiness, freeze_check
from tests.grants.use_cases.records import person

TODAY = date(2025, 3, 10)
CAF = uuid.uuid4()


def reserved_line() -> FinancingLine:
    """The CAF's line: 2,000 € asked, its opinion reserved, 2,000 € proposed by the comité."""
    asked = FinancingLine(CAF, 200_000, opinion=Opinion.RESERVED)
    return proposed_by_committee(asked, uuid.uuid4(), 200_000)


def by_deliberation(amount: int | None, number: str | None = "CA-2025-03", day: date = TODAY) -> Deciding:
    decision = LineDecision.GRANTED if amount else LineDecision.REFUSED
    return Deciding(decision, amount, DecisionAct(ActKind.DELIBERATION, number, day))


def test_the_comite_proposes_and_the_financer_decides_beside_it() -> None:
    line = reserved_line()
    assert (line.proposed_cents, line.decision, line.opinion) == (200_000, None, Opinion.RESERVED)
    after = decided(line, by_deliberation(150_000), "CAF", is_state=False, today=TODAY)
    assert (after.proposed_cents, after.decided_cents, after.decision) == (200_000, 150_000, LineDecision.GRANTED)
    assert after.act == DecisionAct(ActKind.DELIBERATION, "CA-2025-03", TODAY)
    assert after.opinion is Opinion.RESERVED, "the decision keeps the opinion as given"
    refused = decided(line, by_deliberation(None), "CAF", is_state=False, today=TODAY)
    assert (refused.decided_cents, refused.decision) == (0, LineDecision.REFUSED)


def test_an_act_breaking_rules_names_each_of_them() -> None:
    wrong = Deciding(LineDecision.GRANTED, 250_000, DecisionAct(ActKind.DAUPHIN_DECISION, None, date(2025, 3, 11)))
    with pytest.raises(RulesBrokenError) as broken:
        decided(reserved_line(), wrong, "CAF", is_state=False, today=TODAY)
    assert [rule.rule for rule in broken.value.broken] == [
        "decided-within-requested",
        "dauphin-is-the-states",
        "not-in-future",
    ]
    with pytest.raises(RuleViolationError) as unnumbered:
        decided(reserved_line(), by_deliberation(100_000, number=" "), "CAF", is_state=False, today=TODAY)
    assert unnumbered.value.rule == "act-numbered"
    with pytest.raises(RuleViolationError) as nothing:
        decided(
            reserved_line(),
            Deciding(LineDecision.GRANTED, 0, DecisionAct(ActKind.ARRETE, "1", TODAY)),
            "x",
            False,
            TODAY,
        )
    assert nothing.value.rule == "granted-needs-amount"
    state = decided(
        FinancingLine(CAF, 100_000),
        Deciding(LineDecision.GRANTED, 100_000, DecisionAct(ActKind.DAUPHIN_DECISION, None, TODAY)),
        "État",
        True,
        TODAY,
    )
    assert state.act == DecisionAct(ActKind.DAUPHIN_DECISION, None, TODAY), "a Dauphin decision needs no number"
    with pytest.raises(RuleViolationError) as deliberated:
        decided(FinancingLine(CAF, 100_000), by_deliberation(100_000), "État", is_state=True, today=TODAY)
    assert (deliberated.value.field, deliberated.value.rule) == ("act_kind", "state-decides-by-arrete")


def test_the_comites_amount_is_kept_as_agreed() -> None:
    with pytest.raises(NotEditableError):
        changed_line(reserved_line(), {"proposed_cents": 100_000}, "CAF")
    assert changed_line(reserved_line(), {"opinion": Opinion.FAVOURABLE}, "CAF").opinion is Opinion.FAVOURABLE


def test_an_application_is_decided_once_every_financer_has_decided() -> None:
    state = FinancingLine(uuid.uuid4(), 600_000, decided_cents=600_000, decision=LineDecision.GRANTED)
    caf = reserved_line()
    assert not every_line_decided([state, caf])
    assert not every_line_decided([])
    caf = decided(caf, by_deliberation(150_000), "CAF", is_state=False, today=TODAY)
    assert every_line_decided([state, caf])
    assert outcome_of([state, caf], {}) is Outcome.PARTIALLY_GRANTED


def test_no_move_decides_an_application() -> None:
    pilot = person("CV-X", Role.CONTRACT_PILOT, "cua")
    with pytest.raises(RuleViolationError) as refused:
        moved(pilot, State.PROPOSED, Transition.DECIDE, None)
    assert refused.value.rule == "decided-by-financers"


def test_a_file_is_submitted_by_the_closing_day_or_by_a_pilots_reasoned_exception() -> None:
    closes = date(2024, 11, 30)
    assert check_in_time(State.DRAFT, closes, closes, None, is_pilot=False) is False
    for reason, pilot in ((None, True), ("Arrivé par courrier", False), ("  ", True)):
        with pytest.raises(RuleViolationError) as late:
            check_in_time(State.DRAFT, date(2024, 12, 1), closes, reason, is_pilot=pilot)
        assert late.value.rule == "submitted-before-closing"
    assert check_in_time(State.DRAFT, date(2024, 12, 1), closes, "Arrivé par courrier", is_pilot=True) is True
    corrected = check_in_time(State.CORRECTION_REQUESTED, date(2025, 1, 15), closes, None, is_pilot=False)
    assert corrected is False, "a file sent back for correction comes back whenever it is corrected"


def test_the_notification_is_dated_by_its_letter() -> None:
    last_act = date(2025, 3, 5)
    assert check_notification_letter(date(2025, 3, 5), TODAY, last_act) == date(2025, 3, 5)
    for given, rule in (
        (None, "letter-date-required"),
        (date(2025, 3, 11), "not-in-future"),
        (date(2025, 3, 4), "after-decision"),
    ):
        with pytest.raises(RuleViolationError) as refused:
            check_notification_letter(given, TODAY, last_act)
        assert refused.value.rule == rule


def test_the_balance_waits_for_its_years_report_the_advance_for_the_previous_years() -> None:
    assert report_gates(TrancheKind.BALANCE, previous_notified=False, previous_accepted=False, own_received=False) == [
        Gate.REPORT_RECEIVED
    ]
    assert report_gates(TrancheKind.BALANCE, True, False, own_received=True) == []
    assert report_gates(TrancheKind.ADVANCE, True, False, own_received=False) == [Gate.PREVIOUS_REPORT_ACCEPTED]
    assert report_gates(TrancheKind.ADVANCE, True, True, own_received=False) == []
    assert report_gates(TrancheKind.SINGLE, False, False, own_received=False) == [], (
        "a first year has no previous report"
    )
    assert report_gates(TrancheKind.INSTALMENT, True, False, own_received=False) == []


def test_the_check_and_the_freeze_are_one_function() -> None:
    ready, pending, programmed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    p147 = uuid.uuid4()
    facts = {
        key: ApplicationFacts(key, title, {p147: 100_000}, False, False, None, None)
        for key, title in ((ready, "Prête"), (pending, "En cours"), (programmed, "Déjà programmée"))
    }
    readiness = {
        ready: Readiness("Prête", State.PROPOSED, programmed=False),
        pending: Readiness("En cours", State.UNDER_INSTRUCTION, programmed=False),
        programmed: Readiness("Déjà programmée", State.PROPOSED, programmed=True),
    }
    amounts = {(key, p147): 100_000 for key in facts}
    check = freeze_check(amounts, facts, {}, {p147: "État"}, p147, PortfolioRules(), readiness)
    assert [(item.rule, item.application_id) for item in check.blocking] == [
        ("programmed-once", programmed),
        ("application-proposed", pending),
    ]
    assert check.blocking[1].message == "En cours is under_instruction, not proposed"
    only_ready = freeze_check({(ready, p147): 100_000}, facts, {}, {p147: "État"}, p147, PortfolioRules(), readiness)
    assert only_ready.blocking == [], "only the applications the scenario names are judged"
    frozen = freeze_check(amounts, facts, {}, {p147: "État"}, p147, PortfolioRules(), None)
    assert frozen.blocking == [], "a frozen scenario is judged on its portfolio alone"
