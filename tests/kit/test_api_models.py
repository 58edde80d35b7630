"""The input base refuses what lax parsing would let through."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from kit.api_models import ApiInput


class Window(ApiInput):
    opens_on: date
    closes_on: date | None = None
    label: str = ""


def test_a_number_is_not_a_date() -> None:
    for value in (0, 1_700_000_000, 1.5, True):
        with pytest.raises(ValidationError, match="ISO 8601"):
            Window.model_validate({"opensOn": value})
    with pytest.raises(ValidationError, match="ISO 8601"):
        Window.model_validate({"opensOn": "2025-01-01", "closesOn": 0})
    assert Window.model_validate({"opensOn": "2025-02-15"}).opens_on == date(2025, 2, 15)


def test_text_postgres_cannot_store_is_refused() -> None:
    with pytest.raises(ValidationError, match="NUL"):
        Window.model_validate({"opensOn": "2025-02-15", "label": "a\x00b"})


def test_unknown_and_snake_case_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        Window.model_validate({"opensOn": "2025-02-15", "isAdmin": True})
    with pytest.raises(ValidationError):
        Window.model_validate({"opens_on": "2025-02-15"})


class Flags(ApiInput):
    active: bool = False
    maybe: bool | None = None
    count: int = 0


def test_a_number_is_not_a_boolean() -> None:
    for value in (0, 1, "true", "yes"):
        with pytest.raises(ValidationError, match="true or false"):
            Flags.model_validate({"active": value})
    assert Flags.model_validate({"active": True, "maybe": None}).active is True


def test_a_boolean_or_text_is_not_a_number() -> None:
    for value in (False, True, "5"):
        with pytest.raises(ValidationError, match="whole number"):
            Flags.model_validate({"count": value})
    assert Flags.model_validate({"count": 5}).count == 5


def test_query_dates_are_iso_text() -> None:
    from pydantic import TypeAdapter

    from kit.api_models import IsoDate

    adapter: TypeAdapter[date] = TypeAdapter(IsoDate)
    assert adapter.validate_python("2025-03-01") == date(2025, 3, 1)
    for value in ("0", "1700000000", 0, "2025-3-1"):
        with pytest.raises(ValidationError):
            adapter.validate_python(value)
