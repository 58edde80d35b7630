"""The decisions' domain, without a database: each line of a file matched to an application (Dauphin number,
then SIRET + year + title) and compared with what we hold: what we lack is set, what differs is a divergence,
never applied silently."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from services.grants.applications.domain.workflow import State
from services.grants.exchange.domain import decisions
from services.grants.exchange.domain.cells import LineError
from services.grants.exchange.domain.decision_files import DecisionLine
from services.grants.exchange.domain.decisions import DECIDABLE_STATES, Change, Held, LineStatus, Matcher

SIRET = "73282932000074"


def held(**changes: Any) -> Held:
    """A submitted application asking 8,000 € of the State, nothing decided yet."""
    base = Held(
        application_id=uuid.uuid4(),
        state=State.SUBMITTED.value,
        dauphin_number="DA20250002-1",
        siret=SIRET,
        year=2025,
        title="Chantiers jeunes",
        requested_cents=800_000,
        decided_cents=None,
        decision=None,
        decided_on=None,
        chorus_commitment=None,
    )
    return replace(base, **changes)


def line(**cells: Any) -> DecisionLine:
    return DecisionLine(line=1, sheet=None, row=2, raw={}, **cells)


def test_what_we_lack_is_set_and_an_amount_decided_without_a_decision_is_granted() -> None:
    changes, errors = decisions.compare(line(decided_cents=500_000, chorus_commitment="2103814945"), held())
    assert errors == []
    assert changes == [
        Change("decided_amount", None, 500_000, divergent=False),
        Change("decision", None, "granted", divergent=False),
        Change("chorus_commitment", None, "2103814945", divergent=False),
    ]
    assert decisions.status_of(changes) is LineStatus.APPLIED


def test_a_refusal_without_an_amount_decides_nothing_and_an_explicit_decision_wins() -> None:
    changes, _ = decisions.compare(line(decision="refused"), held())
    assert {change.field: change.theirs for change in changes} == {"decided_amount": 0, "decision": "refused"}
    changes, _ = decisions.compare(line(decided_cents=0, decision="no_follow_up"), held())
    assert {change.field: change.theirs for change in changes} == {"decided_amount": 0, "decision": "no_follow_up"}


def test_a_value_that_differs_from_ours_is_a_divergence_and_one_that_matches_is_no_change() -> None:
    ours = held(decided_cents=700_001, decision="granted", decided_on=date(2025, 2, 10))
    same = line(decided_cents=700_001, decision="granted", decision_date=date(2025, 2, 10))
    assert decisions.compare(same, ours) == ([], [])
    assert decisions.status_of([]) is LineStatus.UNCHANGED
    changes, errors = decisions.compare(line(decided_cents=650_000, decision_date=date(2025, 2, 11)), ours)
    assert (changes, errors) == (
        [
            Change("decided_amount", 700_001, 650_000, divergent=True),
            Change("decision_date", "2025-02-10", "2025-02-11", divergent=True),
        ],
        [],
    )
    assert decisions.status_of(changes) is LineStatus.DIVERGENT
    mixed = [Change("chorus_commitment", None, "EJ1", divergent=False), *changes]
    assert decisions.status_of(mixed) is LineStatus.DIVERGENT, "one divergence makes the line wait for a person"


def test_a_line_without_a_state_line_or_deciding_more_than_was_asked_is_an_error() -> None:
    assert decisions.compare(line(decided_cents=100), held(requested_cents=None)) == (
        [],
        [LineError("application", "state-line", "the application has no line of the State (P147)")],
    )
    _, errors = decisions.compare(line(decided_cents=800_001), held())
    assert errors == [
        LineError("decided_amount", "within-requested", "8\u202f000,01 € decided > 8\u202f000 € requested")
    ]


@pytest.mark.parametrize("state", [State.DRAFT, State.CORRECTION_REQUESTED, State.WITHDRAWN, State.NOT_RECEIVABLE])
def test_nothing_is_set_on_an_application_that_is_not_being_decided(state: State) -> None:
    _, errors = decisions.compare(line(decided_cents=500_000), held(state=state.value))
    assert [(error.field, error.rule) for error in errors] == [("application", "not-decidable")]
    divergent_only = held(state=state.value, decided_cents=400_000, decision="granted")
    _, errors = decisions.compare(line(decided_cents=500_000), divergent_only)
    assert errors == [], "a divergence is reported in any state"


def test_decisions_are_recorded_from_the_submission_to_the_notification() -> None:
    assert {State(state) for state in DECIDABLE_STATES} == {
        State.SUBMITTED,
        State.RECEIVABLE,
        State.UNDER_INSTRUCTION,
        State.PROPOSED,
        State.DECIDED,
        State.NOTIFIED,
    }


def test_a_line_is_matched_by_its_dauphin_number_then_by_siret_year_and_title() -> None:
    numbered, other_rank = held(), held(dauphin_number="DA20250002-2", title="Chantiers jeunes bis")
    unnumbered = held(dauphin_number=None, siret="35600000049837", title="Café des parents")
    matcher = Matcher.of([numbered, other_rank, unnumbered])
    assert matcher.match(line(dauphin_number="DA20250002-2", dauphin_code="20250002")) == (
        other_rank,
        "dauphin_number",
        None,
    )
    by_identity = line(siret="35600000049837", year=2025, title="CAFÉ des  parents !")
    assert matcher.match(by_identity) == (unnumbered, "siret_year_title", None)
    unknown_number = line(dauphin_number="DA20250002-9", dauphin_code="20250002", siret=SIRET, year=2025)
    assert matcher.match(replace(unknown_number, title="Chantiers jeunes")) == (numbered, "siret_year_title", None)
    assert matcher.match(unknown_number) == (None, None, None), "a full number is not matched by its action's code"
    assert matcher.match(line(siret=SIRET, year=2026, title="Chantiers jeunes")) == (None, None, None)
    only = held()
    assert Matcher.of([only]).match(line(dauphin_code="20250002")) == (only, "dauphin_number", None)


def test_a_line_that_matches_several_applications_is_an_error() -> None:
    matcher = Matcher.of([held(), held(dauphin_number="DA20250002-2")])
    assert matcher.match(line(dauphin_code="20250002")) == (
        None,
        None,
        LineError("dauphin_number", "ambiguous-match", "20250002 matches 2 applications"),
    )
    twins = Matcher.of([held(dauphin_number=None), held(dauphin_number=None)])
    assert twins.match(line(siret=SIRET, year=2025, title="Chantiers jeunes")) == (
        None,
        None,
        LineError("title", "ambiguous-match", "SIRET, year and title match 2 applications"),
    )


def test_two_lines_of_one_action_share_a_key() -> None:
    numbered = line(dauphin_number="DA20250002-1", dauphin_code="20250002")
    assert decisions.duplicate_key(numbered) == ("dauphin", "DA20250002-1")
    assert decisions.duplicate_key(line(dauphin_code="20250002")) == ("dauphin", "20250002")
    assert decisions.duplicate_key(line(siret=SIRET, year=2025, title="Chantiers  JEUNES")) == decisions.duplicate_key(
        line(siret=SIRET, year=2025, title="chantiers jeunes")
    )
    assert decisions.duplicate_key(line(siret=SIRET, year=2025)) is None


def test_a_lines_decision_is_dated_by_the_file_that_gave_it_else_by_the_day_it_was_decided() -> None:
    given, decided = date(2025, 2, 10), date(2025, 3, 14)
    assert decisions.shown_decision_day(given, "granted", decided) == given
    assert decisions.shown_decision_day(None, "granted", decided) == decided
    assert decisions.shown_decision_day(None, None, decided) is None, "a line without a decision has no day"
    assert decisions.shown_commitment("2103814945", "2109999999") == "2103814945"
    assert decisions.shown_commitment(None, "2109999999") == "2109999999", "the EJ its payments name"


def test_the_day_and_ej_our_files_show_are_no_change_given_again_and_another_day_is_the_prefectures() -> None:
    decided, paid = date(2025, 3, 14), "2103814945"
    ours = held(
        state=State.NOTIFIED.value,
        decided_cents=700_001,
        decision="granted",
        decision_day=decided,
        paid_commitment=paid,
    )
    as_exported = line(decided_cents=700_001, decision="granted", decision_date=decided, chorus_commitment=paid)
    assert decisions.compare(as_exported, ours) == ([], []), "our export returned untouched"
    assert decisions.compare(replace(as_exported, decision_date=date(2025, 3, 20)), ours) == (
        [Change("decision_date", None, "2025-03-20", divergent=False)],
        [],
    ), "the prefecture's day of a decision we hold no day of"
    assert decisions.compare(replace(as_exported, chorus_commitment="2109999999"), ours) == (
        [Change("chorus_commitment", paid, "2109999999", divergent=True)],
        [],
    ), "another EJ than the one its payments name"
    dated = replace(ours, decided_on=date(2025, 2, 10))
    assert decisions.compare(as_exported, dated) == (
        [Change("decision_date", "2025-02-10", "2025-03-14", divergent=True)],
        [],
    ), "a day a file gave before wins over the day it was decided"
