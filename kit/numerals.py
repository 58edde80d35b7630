"""ASCII digits: the only digits a code, an identifier, an amount or a number read from a file may hold.

Python's `int()`, `float()` and `Decimal()`, Python's `re` and pydantic-core's Rust regex all take `\\d` as
any Unicode decimal digit: `int("１２") == 12`, and an Arabic-Indic or full-width SIRET matches `^\\d{14}$`,
passes its Luhn key and is stored as a second operator next to the ASCII one. So patterns write `[0-9]`,
never `\\d`, and text becomes a number only through the functions below (one rule, for every service).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def is_plain_number_text(text: str) -> bool:
    """Whether `text` can be read as a number here: ASCII only (so ASCII digits only), and no `_`, which
    Python's number syntax accepts between digits ("1_000") and no file format writes."""
    return text.isascii() and "_" not in text


def _checked(text: str) -> str:
    if not is_plain_number_text(text):
        raise ValueError(f"{text!r}: a number is written with ASCII digits 0-9")
    return text


def parse_int(text: str) -> int:
    """`int(text)` for ASCII text only; ValueError otherwise."""
    return int(_checked(text))


def parse_float(text: str) -> float:
    """`float(text)` for ASCII text only (nan and inf are still floats: the caller checks its range);
    ValueError otherwise."""
    return float(_checked(text))


def parse_decimal(text: str) -> Decimal:
    """`Decimal(text)` for ASCII text only (NaN and Infinity are still decimals: the caller checks);
    ValueError otherwise, including for what `Decimal` refuses."""
    try:
        return Decimal(_checked(text))
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not a number") from error
