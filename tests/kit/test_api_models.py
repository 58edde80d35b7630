"""The input base refuses what lax parsing would let through."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

import pytest
from pydantic import ValidationError

from kit.api_models import CONTRACT_CODE_PATTERN, ApiInput, ApiModel, read_of, record_fields


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


class Stamp(ApiInput):
    at: datetime


def test_days_postgres_would_store_as_infinity_are_refused() -> None:
    """asyncpg writes date.max and date.min as PostgreSQL's infinity: such days are refused, naming the rule."""
    for sent in ("9999-12-31", "0001-01-01", "0999-12-31", "9999-01-01"):
        with pytest.raises(ValidationError) as refused:
            Window.model_validate({"opensOn": "2025-02-15", "closesOn": sent})
        assert [(error["type"], error["loc"]) for error in refused.value.errors()] == [("day_in_range", ("closesOn",))]
    for sent in ("9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z"):
        with pytest.raises(ValidationError, match="a date from 1000-01-01 to 9998-12-31"):
            Stamp.model_validate({"at": sent})
    assert Window.model_validate({"opensOn": "1000-01-01", "closesOn": "9998-12-31"}).closes_on == date(9998, 12, 31)
    assert Stamp.model_validate({"at": "2025-02-15T10:00:00Z"}).at.year == 2025


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


class Kind(StrEnum):
    BODY = "body"


class Place(NamedTuple):
    code: str
    label: str


@dataclass(frozen=True)
class Venue:
    place: Place
    opened_on: date


@dataclass(frozen=True)
class Record:
    record_id: uuid.UUID
    kind: Kind
    amount: Decimal
    codes: tuple[str, ...]
    venues: tuple[Venue, ...]
    extra: dict[str, list[int]]
    note: str | None


class VenueRead(ApiModel):
    place: Place
    opened_on: date


class RecordRead(ApiModel):
    id: uuid.UUID
    kind: Kind
    amount: Decimal
    codes: list[str]
    venues: list[VenueRead]
    note: str | None


def test_a_record_maps_to_the_wire_as_asdict_gives_it_without_copying_its_values() -> None:
    record = Record(
        record_id=uuid.uuid4(),
        kind=Kind.BODY,
        amount=Decimal("12.50"),
        codes=("QN06258M",),
        venues=(Venue(Place("62041", "Arras"), date(2026, 3, 1)),),
        extra={"counts": [1, 2]},
        note=None,
    )
    fields = record_fields(record)
    assert fields == asdict(record)
    assert type(fields["venues"][0]["place"]) is Place  # a named tuple stays one, as asdict keeps it
    assert fields["record_id"] is record.record_id  # not a copy
    assert fields["extra"] is not record.extra  # containers rebuilt: what reads it cannot change the record
    read = read_of(RecordRead, record, id=record.record_id)
    assert read.model_dump(by_alias=True, mode="json") == {
        "id": str(record.record_id),
        "kind": "body",
        "amount": "12.50",
        "codes": ["QN06258M"],
        "venues": [{"place": ["62041", "Arras"], "openedOn": "2026-03-01"}],
        "note": None,
    }


def test_the_contract_code_every_input_declares_is_the_one_territories_registers() -> None:
    from services.territories.contracts.domain import CONTRACT_CODE

    assert CONTRACT_CODE.pattern == CONTRACT_CODE_PATTERN
