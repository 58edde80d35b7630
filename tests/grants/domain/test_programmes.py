"""The connected programmes' domain, without a database: what a programme and its year must be, and the
year's summary by kind and QPV (sums of what each programme says, money never split between QPVs)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from services.grants.errors import RulesBrokenError, RuleViolationError
from services.grants.programmes.domain.programme import (
    AxisFigures,
    CallFigures,
    Measure,
    Programme,
    ProgrammeKind,
    Source,
    TfpbAxis,
    YearFigures,
    check_programme,
    check_year,
)
from services.grants.programmes.domain.summary import summarise

QPVS = ("QN06258M", "QN06261M", "QN06263M")
CONTRACT = (2024, 2030)
SOURCE = Source("Bilan", date(2025, 3, 1))


def programme(kind: ProgrammeKind = ProgrammeKind.CITE_EMPLOI, **changes: Any) -> Programme:
    base = Programme(
        programme_id=uuid.uuid4(),
        contract_code="CV-TEST",
        kind=kind,
        nom="Programme",
        qpv_codes=("QN06258M",),
        start_year=2024,
        source=SOURCE,
    )
    return replace(base, **changes)


def broken(error: RuleViolationError | RulesBrokenError) -> set[tuple[str, str]]:
    rules = error.broken if isinstance(error, RulesBrokenError) else [error]
    return {(rule.field, rule.rule) for rule in rules}


def test_a_programme_within_its_contract_passes() -> None:
    check_programme(programme(qpv_codes=QPVS, end_year=2030), QPVS, CONTRACT, [])
    plan = programme(ProgrammeKind.TFPB_ABATEMENT, landlord="Pas-de-Calais Habitat")
    check_programme(plan, QPVS, CONTRACT, [])


def test_every_rule_a_programme_breaks_is_named_at_once() -> None:
    plan = programme(ProgrammeKind.TFPB_ABATEMENT, qpv_codes=("QN06258M", "QX99999M"), start_year=2023, end_year=2031)
    with pytest.raises(RulesBrokenError) as raised:
        check_programme(plan, QPVS, CONTRACT, [])
    assert broken(raised.value) == {
        ("qpv_codes", "qpv-of-contract"),
        ("start_year", "within-contract-period"),
        ("end_year", "within-contract-period"),
        ("landlord", "tfpb-landlord"),
    }


@pytest.mark.parametrize(
    ("kind", "changes", "schemes", "expected"),
    [
        (ProgrammeKind.TFPB_ABATEMENT, {"landlord": "PdCH", "qpv_codes": QPVS[:2]}, [], ("qpv_codes", "tfpb-one-qpv")),
        (ProgrammeKind.CITE_EDUCATIVE, {"landlord": "PdCH"}, [], ("landlord", "tfpb-landlord")),
        (ProgrammeKind.CITE_EDUCATIVE, {"scheme": "quartiers_ete"}, [], ("scheme", "bound-to-call-scheme")),
        (ProgrammeKind.QUARTIERS_ETE, {}, ["quartiers_ete"], ("scheme", "bound-to-call-scheme")),
        (ProgrammeKind.QUARTIERS_ETE, {"scheme": "p147"}, ["p147"], ("scheme", "bound-to-call-scheme")),
        (ProgrammeKind.QUARTIERS_ETE, {"scheme": "quartiers_ete"}, ["p147"], ("scheme", "call-scheme-open")),
        (ProgrammeKind.CITE_EMPLOI, {"start_year": 2026, "end_year": 2025}, [], ("end_year", "after-start")),
    ],
)
def test_a_programme_breaking_one_rule_is_refused_naming_it(
    kind: ProgrammeKind, changes: dict[str, object], schemes: list[str], expected: tuple[str, str]
) -> None:
    with pytest.raises(RuleViolationError) as raised:
        check_programme(programme(kind, **changes), QPVS, CONTRACT, schemes)
    assert broken(raised.value) == {expected}


def test_quartiers_dete_bound_to_an_open_scheme_passes() -> None:
    summer = programme(ProgrammeKind.QUARTIERS_ETE, scheme="quartiers_ete")
    check_programme(summer, QPVS, CONTRACT, ["p147", "quartiers_ete"])
    assert summer.computed_from_call


def test_a_year_of_quartiers_dete_is_never_declared() -> None:
    summer = programme(ProgrammeKind.QUARTIERS_ETE, scheme="quartiers_ete")
    with pytest.raises(RuleViolationError) as raised:
        check_year(summer, YearFigures(2025, SOURCE, amount_cents=100), CONTRACT)
    assert broken(raised.value) == {("kind", "computed-from-call")}


def test_a_tfpb_years_realised_amount_is_the_sum_of_its_axes() -> None:
    figures = YearFigures(
        2025,
        SOURCE,
        amount_cents=12_000_000,
        axes=(
            AxisFigures(TfpbAxis.EXTRA_MAINTENANCE, 7_000_000, 6_500_050),
            AxisFigures(TfpbAxis.SOCIAL_LIFE, 5_000_000, None),
        ),
    )
    check_year(programme(ProgrammeKind.TFPB_ABATEMENT, landlord="PdCH"), figures, CONTRACT)
    assert (figures.realised, figures.planned_on_axes) == (6_500_050, 12_000_000)
    assert replace(figures, axes=()).realised is None


def test_every_rule_a_year_breaks_is_named_at_once() -> None:
    plan = programme(ProgrammeKind.TFPB_ABATEMENT, landlord="PdCH", start_year=2026)
    figures = YearFigures(
        2025,
        SOURCE,
        realised_cents=100,
        measures=((Measure.ACTIONS, 3), (Measure.POSTS, 1), (Measure.ACTIONS, 4)),
        axes=(AxisFigures(TfpbAxis.WASTE, 100),),
    )
    with pytest.raises(RulesBrokenError) as raised:
        check_year(plan, figures, CONTRACT)
    assert broken(raised.value) == {
        ("year", "programme-year"),
        ("measures/1/measure", "measure-of-kind"),
        ("measures/2/measure", "measure-once"),
        ("realised_amount", "computed-from-axes"),
    }
    school = programme(ProgrammeKind.CITE_EDUCATIVE)
    with pytest.raises(RulesBrokenError) as axes:
        check_year(school, replace(figures, year=2023, measures=(), realised_cents=None), CONTRACT)
    assert broken(axes.value) == {("year", "within-contract-period"), ("axes", "tfpb-axes")}


def test_the_summary_sums_by_kind_and_keeps_shared_money_unsplit() -> None:
    alone = programme(ProgrammeKind.REUSSITE_EDUCATIVE, qpv_codes=("QN06258M",))
    shared = programme(ProgrammeKind.REUSSITE_EDUCATIVE, qpv_codes=("QN06258M", "QN06261M"))
    silent = programme(ProgrammeKind.ADULTES_RELAIS)
    summer = programme(ProgrammeKind.QUARTIERS_ETE, scheme="quartiers_ete")
    called = CallFigures(
        2025,
        uuid.uuid4(),
        "quartiers_ete",
        "QE 2025",
        date(2025, 6, 13),
        3,
        2,
        450_000,
        80,
        (("QN06261M", 2, 300_000),),
    )
    summary = summarise(
        "CV-TEST",
        2025,
        [
            (alone, YearFigures(2025, SOURCE, 100_000, 90_000, ((Measure.CHILDREN_FOLLOWED, 10),), fictitious=True)),
            (shared, YearFigures(2025, SOURCE, 250_000, None, ((Measure.CHILDREN_FOLLOWED, 5),))),
            (silent, None),
        ],
        [(summer, called)],
    )
    by_kind = {item.kind: item for item in summary.by_kind}
    education = by_kind[ProgrammeKind.REUSSITE_EDUCATIVE]
    assert (education.programmes, education.with_figures, education.amount_cents, education.realised_cents) == (
        2,
        2,
        350_000,
        90_000,
    )
    assert education.measures == ((Measure.CHILDREN_FOLLOWED, 15),)
    assert education.fictitious
    relays = by_kind[ProgrammeKind.ADULTES_RELAIS]
    assert (relays.programmes, relays.with_figures, relays.amount_cents) == (1, 0, None)
    assert by_kind[ProgrammeKind.QUARTIERS_ETE].amount_cents == 450_000
    assert dict(by_kind[ProgrammeKind.QUARTIERS_ETE].measures)[Measure.APPLICATIONS] == 3
    places = {(item.qpv_code, item.kind): item for item in summary.by_qpv}
    first = places[("QN06258M", ProgrammeKind.REUSSITE_EDUCATIVE)]
    assert (first.programmes, first.shared_programmes, first.amount_cents) == (2, 1, 100_000)
    second = places[("QN06261M", ProgrammeKind.REUSSITE_EDUCATIVE)]
    assert (second.programmes, second.shared_programmes, second.amount_cents) == (1, 1, None)
    assert places[("QN06261M", ProgrammeKind.QUARTIERS_ETE)].amount_cents == 300_000
