"""Money on the wire: exact decimal strings of euros ("15000.00"), integer cents inside; never a float."""

from __future__ import annotations

import re
from decimal import Decimal

AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)


def parse_cents(text: str) -> int | None:
    """'1500', '1500.5' or '1500.50' → 150050; None for anything else (the caller names the field)."""
    if not _AMOUNT.fullmatch(text):
        return None
    return int(Decimal(text) * 100)


def euros(cents: int) -> str:
    """150050 → '1500.50'."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
