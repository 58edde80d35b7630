"""Text becomes a number only from ASCII digits: Python alone reads any Unicode digit."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from kit.numerals import is_plain_number_text, parse_decimal, parse_float, parse_int

FULL_WIDTH = "１２"
ARABIC_INDIC = "١٢"
DEVANAGARI = "१२"


@pytest.mark.parametrize("text", [FULL_WIDTH, ARABIC_INDIC, DEVANAGARI, "1_2", " 12\u2003"])
def test_what_python_alone_reads_as_twelve_is_not_number_text_here(text: str) -> None:
    assert int(text) == 12  # the premise: int(), float() and Decimal() read these
    assert not is_plain_number_text(text)


@pytest.mark.parametrize("parse", [parse_int, parse_float, parse_decimal])
@pytest.mark.parametrize("text", [FULL_WIDTH, ARABIC_INDIC, DEVANAGARI, "1_000", "1\u202f000"])
def test_non_ascii_digits_and_underscores_are_refused(parse: Callable[[str], object], text: str) -> None:
    with pytest.raises(ValueError, match="ASCII digits"):
        parse(text)


def test_ascii_numbers_are_read_as_python_reads_them() -> None:
    assert parse_int("2024") == 2024
    assert parse_int("-7") == -7
    assert parse_float("50.29") == 50.29
    assert parse_float("1e3") == 1000.0
    assert parse_decimal("41.50") == Decimal("41.50")


def test_what_decimal_refuses_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_decimal("douze")
    with pytest.raises(ValueError, match="invalid literal"):
        parse_int("12.5")
