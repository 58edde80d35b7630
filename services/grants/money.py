"""Money: integer cents inside, exact decimal strings ("15000.00") on the wire; never a float."""

from __future__ import annotations

from kit.money import euros, parse_cents
from services.grants.errors import RuleViolationError

__all__ = ["cents_of", "euros", "spaced"]


def cents_of(text: str, field: str) -> int:
    """'1500', '1500.5' or '1500.50' → 150050; anything else is refused naming the field."""
    cents = parse_cents(text)
    if cents is None:
        raise RuleViolationError(field, "amount-format", f"{field} must be euros with at most 2 decimals, e.g. 1500.00")
    return cents


def spaced(cents: int) -> str:
    """For messages: 31 000 € / 1 234,56 €."""
    whole, part = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", "\u202f")
    return f"{'-' if cents < 0 else ''}{grouped}{f',{part:02d}' if part else ''} €"
