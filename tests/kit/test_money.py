"""Euros on the wire and cents inside, both ways, exactly."""

from __future__ import annotations

import pytest

from kit.money import euros, parse_cents


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0),
        ("1500", 150_000),
        ("1500.5", 150_050),
        ("1500.50", 150_050),
        ("0.01", 1),
        ("999999999999.99", 99_999_999_999_999),
    ],
)
def test_decimal_strings_become_exact_cents(text: str, cents: int) -> None:
    assert parse_cents(text) == cents
    assert parse_cents(euros(cents)) == cents


@pytest.mark.parametrize("text", ["", "1,50", "1.505", "-1", "1e3", " 1", "0.1.2", "NaN"])
def test_anything_else_is_refused(text: str) -> None:
    assert parse_cents(text) is None


def test_euros_always_shows_two_decimals() -> None:
    assert (euros(5), euros(150_000), euros(-250)) == ("0.05", "1500.00", "-2.50")
