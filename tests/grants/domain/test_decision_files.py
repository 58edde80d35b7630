"""The decisions files' domain, without a database: columns found through their header aliases, every
cell of a line checked strictly (each refusal naming its field and rule) and read in its file's dialect, a
line that gives no decision read as deciding nothing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.grants.errors import RuleViolationError
from services.grants.exchange.domain.cells import folded
from services.grants.exchange.domain.decision_files import (
    DecisionLine,
    check_columns,
    column_map,
    decides,
    read_line,
)
from services.grants.exchange.domain.dialects import Dialect

KEYED = {"dauphin_number": "DA20250002-1", "decided_amount": "5000"}


def read(**cells: Any) -> DecisionLine:
    return read_line(1, None, 2, {}, cells)


def read_french(**cells: Any) -> DecisionLine:
    """A line of a CSV saved by a French spreadsheet (the tableur-fr dialect)."""
    return read_line(1, None, 2, {}, cells, Dialect.TABLEUR_FR)


def errors(line: DecisionLine) -> list[tuple[str, str]]:
    return [(error.field, error.rule) for error in line.errors]


def errors_of(**cells: Any) -> list[tuple[str, str]]:
    return errors(read(**cells))


def test_headers_and_titles_are_compared_without_case_accents_punctuation_or_repeated_spaces() -> None:
    assert folded("  Intitulé de l'Action ") == "intitule de l action"
    assert folded("N° dossier  Dauphin") == "n dossier dauphin"
    assert folded("CHANTIERS éducatifs (jeunes)!") == folded("chantiers educatifs jeunes")


def test_each_field_is_found_by_the_first_alias_a_header_spells() -> None:
    headers = ["Code SIRET", "Exercice", "Intitulé", "Montant voté", "", "N° EJ"]
    assert column_map(headers, {}) == {"siret": 0, "year": 1, "title": 2, "decided_amount": 3, "chorus_commitment": 5}
    # The aliases' order decides between two spellings of one field, not the columns' order.
    assert column_map(["montantVote", "montant_decide_p147"], {}) == {"decided_amount": 1}
    assert column_map(["Montant voté", "montant vote"], {}) == {"decided_amount": 0}, "a repeated header: the first"


def test_a_contracts_own_spelling_is_tried_before_the_defaults() -> None:
    headers = ["Montant accordé", "Colonne B", "Colonne A"]
    aliases = {"decided_amount": ["Colonne B"], "dauphin_number": ["colonne a"]}
    assert column_map(headers, aliases) == {"decided_amount": 1, "dauphin_number": 2}
    assert column_map(headers, {}) == {"decided_amount": 0}


def test_a_file_needs_an_amount_and_a_key_to_match_its_lines() -> None:
    check_columns({"dauphin_number": 0, "decided_amount": 1}, ["Dossier", "Montant"])
    check_columns({"siret": 0, "year": 1, "title": 2, "decided_amount": 3}, ["a", "b", "c", "d"])
    with pytest.raises(RuleViolationError) as no_title:
        check_columns({"siret": 0, "year": 1, "decided_amount": 2}, ["Code SIRET", "Exercice", "Montant voté"])
    assert (no_title.value.field, no_title.value.rule) == ("file", "unknown-column-set")
    assert "dauphin_number or siret + year + title" in str(no_title.value)
    assert "'Code SIRET', 'Exercice', 'Montant voté'" in str(no_title.value), "the headers found are named"
    with pytest.raises(RuleViolationError) as no_amount:
        check_columns({"dauphin_number": 0}, ["Dossier"])
    assert "no column found for decided_amount among" in str(no_amount.value)


@pytest.mark.parametrize(
    ("written", "number", "code"),
    [
        ("DA20250002-1", "DA20250002-1", "20250002"),
        ("da 2025 0002-12", "DA20250002-12", "20250002"),
        ("20250002", None, "20250002"),
        ("DA20250002", None, "20250002"),
        (20250002.0, None, "20250002"),  # a number as a spreadsheet types it
    ],
)
def test_a_dauphin_number_is_read_whole_or_as_its_actions_code(written: Any, number: str | None, code: str) -> None:
    line = read(dauphin_number=written, decided_amount="1")
    assert (line.dauphin_number, line.dauphin_code, line.errors) == (number, code, [])


def test_an_unreadable_dauphin_number_is_named() -> None:
    assert errors_of(dauphin_number="DA2025-1", decided_amount="1") == [("dauphin_number", "dauphin-number")]


def test_a_siret_is_read_without_its_spaces_and_its_key_checked() -> None:
    line = read(siret="732 829 320 00074", year="2025", title="Chantiers", decided_amount="1")
    assert (line.siret, line.year, line.title) == ("73282932000074", 2025, "Chantiers")
    assert errors_of(siret="73282932000075", year="2025", title="Chantiers", decided_amount="1") == [
        ("siret", "siret-key")
    ]
    assert errors_of(siret="7328293200007", year="2025", title="x", decided_amount="1") == [("siret", "siret-format")]


def test_a_year_is_four_digits() -> None:
    assert read(siret="73282932000074", year=2025.0, title="x", decided_amount="1").year == 2025
    assert ("year", "year-format") in errors_of(siret="73282932000074", year="25", title="x", decided_amount="1")


@pytest.mark.parametrize(
    ("cell", "cents"),
    [
        ("1234.56", 123_456),
        ("1234", 123_400),
        (" 7000.01 ", 700_001),
        (1234.5, 123_450),
        (12, 1_200),
        (Decimal("10.10"), 1_010),
        (0, 0),
    ],
)
def test_an_amount_is_read_to_the_cent(cell: Any, cents: int) -> None:
    assert read(**{**KEYED, "decided_amount": cell}).decided_cents == cents


@pytest.mark.parametrize(
    ("cell", "rule"),
    [
        ("1 234,56", "no-thousands-separator"),
        ("1\u202f234.56", "no-thousands-separator"),
        ("12.345", "no-thousands-separator"),
        ("1234,56", "dot-decimal"),
        ("12 €", "amount-format"),
        ("-5", "amount-format"),
        (-5, "amount-format"),
        (1.234, "amount-format"),
        (True, "amount-format"),
    ],
)
def test_an_amount_written_otherwise_is_refused_naming_how_to_write_it(cell: Any, rule: str) -> None:
    line = read(**{**KEYED, "decided_amount": cell})
    assert (line.decided_cents, [(error.field, error.rule) for error in line.errors]) == (
        None,
        [("decided_amount", rule)],
    )


def test_a_decision_date_is_an_iso_day_or_a_spreadsheets_date() -> None:
    assert read(**KEYED, decision_date="2025-02-10").decision_date == date(2025, 2, 10)
    typed = datetime(2025, 2, 10, 0, 0)  # noqa: DTZ001 - a spreadsheet's date cell reads without a zone
    assert read(**KEYED, decision_date=typed).decision_date == date(2025, 2, 10)
    assert read(**KEYED, decision_date=date(2025, 2, 10)).decision_date == date(2025, 2, 10)
    for wrong in ("10/02/2025", "2025-02-30", "2025-2-10"):
        assert errors_of(**KEYED, decision_date=wrong) == [("decision_date", "iso-date")], wrong


@pytest.mark.parametrize(
    ("written", "decision"),
    [
        ("Votée", "granted"),
        ("ACCORDÉE", "granted"),
        ("favorable", "granted"),
        ("Rejetée", "refused"),
        ("Non recevable", "refused"),
        ("Sans suite", "no_follow_up"),
        ("no follow-up", "no_follow_up"),
    ],
)
def test_a_decision_is_read_in_the_prefectures_words(written: str, decision: str) -> None:
    assert read(dauphin_number="DA20250002-1", decision=written).decision == decision


def test_an_unknown_decision_is_refused() -> None:
    assert errors_of(**KEYED, decision="En attente") == [("decision", "decision-value")]


def test_a_chorus_commitment_is_ascii_letters_digits_and_signs() -> None:
    assert read(**KEYED, chorus_commitment="ej-2103814945").chorus_commitment == "EJ-2103814945"
    for wrong in ("ſ2103", "ÉJ1", "2103 814", "1" * 21):
        assert errors_of(**KEYED, chorus_commitment=wrong) == [("chorus_commitment", "chorus-number")], wrong


def test_a_line_that_gives_no_decision_decides_nothing_and_needs_no_key() -> None:
    # Our own export returned untouched: a line per application, those not decided yet without a decision.
    for cells in (
        {"dauphin_number": "DA20250002-1"},
        {"siret": "73282932000074", "year": "2025", "title": "Chantiers jeunes", "decided_amount": ""},
        {"title": "Chantiers jeunes"},
        {},
    ):
        line = read(**cells)
        assert (line.errors, decides(line)) == ([], False), cells


def test_a_line_that_decides_gives_an_amount_or_a_decision_and_a_key() -> None:
    assert decides(read(**KEYED))
    assert errors_of(decided_amount="5000") == [("dauphin_number", "key-required")]
    assert errors_of(siret="73282932000074", year="2025", decided_amount="5000") == [("dauphin_number", "key-required")]
    for alone in ({"decision_date": "2025-02-10"}, {"chorus_commitment": "2103814945"}):
        assert errors_of(dauphin_number="DA20250002-1", **alone) == [("decided_amount", "required")], alone
    refused = read(dauphin_number="DA20250002-1", decision="Rejetée")
    assert (refused.decided_cents, refused.decision, refused.errors) == (None, "refused", [])


@pytest.mark.parametrize(
    ("cell", "cents"),
    [
        ("7000,01", 700_001),
        ("7000", 700_000),
        ("0", 0),
        ("7\u00a0000,01", 700_001),
        ("7\u202f000,5", 700_050),
        (7000.01, 700_001),
    ],
)
def test_a_french_spreadsheets_amount_is_read_with_its_decimal_comma(cell: Any, cents: int) -> None:
    assert read_french(**{**KEYED, "decided_amount": cell}).decided_cents == cents


@pytest.mark.parametrize(
    ("cell", "rule"), [("7000.01", "comma-decimal"), ("7,000.01", "amount-format"), ("12 €", "amount-format")]
)
def test_a_french_spreadsheets_amount_written_otherwise_is_refused(cell: str, rule: str) -> None:
    assert errors(read_french(**{**KEYED, "decided_amount": cell})) == [("decided_amount", rule)]


def test_a_french_spreadsheets_date_is_read_day_first() -> None:
    assert read_french(**KEYED, decision_date="10/02/2025").decision_date == date(2025, 2, 10)
    assert read_french(**KEYED, decision_date="2025-02-10").decision_date == date(2025, 2, 10)
    for wrong in ("31/02/2025", "10-02-2025", "2/10/2025"):
        assert errors(read_french(**KEYED, decision_date=wrong)) == [("decision_date", "french-date")]
    assert errors_of(**KEYED, decision_date="10/02/2025") == [("decision_date", "iso-date")], "the exchange: ISO"


def test_a_code_written_as_a_formula_of_text_is_read_as_that_text() -> None:
    # ="…": the tableur-fr CSV keeps codes as text this way; LibreOffice saves the formula back as it is.
    line = read_french(
        dauphin_number='="DA20250002-1"',
        siret='="00552013500137"',
        year="2025",
        title="Chantiers jeunes",
        decided_amount="5000",
        chorus_commitment='="2103814945"',
    )
    assert (line.dauphin_number, line.siret, line.chorus_commitment, line.errors) == (
        "DA20250002-1",
        "00552013500137",
        "2103814945",
        [],
    )
    assert read(**KEYED, siret='="00552013500137"').siret == "00552013500137", "in the exchange dialect too"


def test_every_broken_cell_of_a_line_is_named_and_the_line_keeps_where_it_is() -> None:
    raw = {"N° dossier Dauphin": "X", "Montant voté": "1 000"}
    line = read_line(7, "p147", 9, raw, {"dauphin_number": "X", "decided_amount": "1 000", "decision_date": "hier"})
    assert [(error.field, error.rule) for error in line.errors] == [
        ("dauphin_number", "dauphin-number"),
        ("decided_amount", "no-thousands-separator"),
        ("decision_date", "iso-date"),
    ]
    assert (line.line, line.sheet, line.row, line.raw) == (7, "p147", 9, raw)
