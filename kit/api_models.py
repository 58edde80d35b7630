"""Bases of every API schema: camelCase on the wire (the API Géo convention)."""

from __future__ import annotations

import functools
import re
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError
from starlette.responses import Response

from kit.numerals import is_plain_number_text

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def _storable(value: Any) -> bool:
    """PostgreSQL text holds neither NUL characters nor lone surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list | tuple | set | frozenset):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True


def _is_temporal(annotation: Any) -> bool:
    return annotation in (date, datetime) or any(_is_temporal(argument) for argument in get_args(annotation))


def _is_boolean(annotation: Any) -> bool:
    return annotation is bool or any(_is_boolean(argument) for argument in get_args(annotation))


def _is_integer(annotation: Any) -> bool:
    return annotation is int or any(_is_integer(argument) for argument in get_args(annotation))


def _is_decimal(annotation: Any) -> bool:
    return annotation is Decimal or any(_is_decimal(argument) for argument in get_args(annotation))


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError("a date is ISO 8601 text, e.g. 2025-02-15")
    if isinstance(value, int | float):
        raise ValueError("a date is ISO 8601 text, e.g. 2025-02-15")
    return value


ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# A contract's code as the platform writes it (`CV-CUA-2024`): the pattern every input naming one declares.
CONTRACT_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,39}$"
# For query parameters: lax parsing would read "0" as a Unix time.
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


def plain_decimal(value: Decimal) -> str:
    """An exact decimal as the API writes it: no exponent, no trailing zeros ("6300", "38.2")."""
    return format(value.normalize(), "f")


class ApiModel(BaseModel):
    """What the API returns: built by field name in code, written in camelCase."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        frozen=True,
    )


@functools.cache
def _kinds_of(model: type[BaseModel], name: str) -> tuple[bool, bool, bool, bool]:
    """Whether a field of an input model holds a date or time, a boolean, an integer, a decimal: read from
    its annotation once per model and field (each value of each request asks)."""
    field = model.model_fields.get(name)
    if field is None:
        return (False, False, False, False)
    annotation = field.annotation
    return (_is_temporal(annotation), _is_boolean(annotation), _is_integer(annotation), _is_decimal(annotation))


# asyncpg stores the first and the last day Python knows (date.min, date.max, and datetime's) as PostgreSQL's
# -infinity and infinity, which then read back as those words: a day sent is taken within these, wider than
# any of the domain's.
EARLIEST_DAY, LATEST_DAY = date(1000, 1, 1), date(9998, 12, 31)


class ApiInput(BaseModel):
    """What callers send: camelCase only, unknown fields refused (no mass assignment)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        extra="forbid",
        frozen=True,
    )

    @field_validator("*", mode="after")
    @classmethod
    def _only_storable_text(cls, value: Any) -> Any:
        if not _storable(value):
            raise ValueError("text must not contain NUL characters or lone surrogates")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _storable_days(cls, value: Any) -> Any:
        if isinstance(value, date):
            day = value.date() if isinstance(value, datetime) else value
            if not EARLIEST_DAY <= day <= LATEST_DAY:
                raise PydanticCustomError(
                    "day_in_range",
                    "a date from {earliest} to {latest}",
                    {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()},
                )
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _dates_are_text(cls, value: Any, info: ValidationInfo) -> Any:
        # Lax pydantic reads a number as a Unix time; on the wire a date is ISO 8601 text, nothing else.
        temporal, boolean, integer, decimal = _kinds_of(cls, info.field_name or "")
        if isinstance(value, int | float) and temporal:
            raise ValueError("a date is ISO 8601 text, e.g. 2025-02-15")
        if boolean and value is not None and not isinstance(value, bool):
            raise ValueError("a boolean is true or false")
        if integer and isinstance(value, bool | str):
            raise ValueError("a whole number is a JSON number")
        # pydantic reads a Decimal from text with `Decimal()`, which takes any Unicode digit ("０.５").
        if decimal and isinstance(value, str) and not is_plain_number_text(value):
            raise PydanticCustomError("ascii_digits", "a number is written with ASCII digits 0-9")
        return value


Read = TypeVar("Read", bound=ApiModel)


def read_of(schema: type[Read], record: DataclassInstance, **given: Any) -> Read:
    """What the wire answers of a domain record: the record's fields of the schema's names (enums by value,
    tuples as lists, nested records as nested reads), and what is `given` (an id, amounts in euros, nested
    reads). The one mapping from a record to the wire; a field the record lacks and nothing gives is an error,
    never a silent null."""
    return schema.model_validate({**record_fields(record), **given})


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(kind))


def record_fields(record: DataclassInstance) -> dict[str, Any]:
    """A domain record's fields by name, nested records as dicts and their containers rebuilt, as
    `dataclasses.asdict` gives them but without deep-copying each value: they are immutable (ids, dates,
    amounts, enums, text) and only read, and the copies were most of a record's mapping to the wire."""
    return {name: _plain(getattr(record, name)) for name in _field_names(type(record))}


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return record_fields(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        items = [_plain(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)  # a named tuple
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    return value


def model_response(model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A response serialised once by pydantic's core: for hot routes whose model was just built from typed
    values, so that FastAPI does not dump and validate it again against the route's response model."""
    content = model.__pydantic_serializer__.to_json(model, by_alias=True)
    return Response(content, status_code=status_code, headers=headers, media_type="application/json")


def json_response(written: str, headers: dict[str, str] | None = None) -> Response:
    """One record whose JSON PostgreSQL wrote from our own rows, in the route's declared model (camelCase):
    sent as written, like `page_json_response`'s items."""
    return Response(written.encode(), headers=headers, media_type="application/json")


def page_json_response(items: str, total: int, limit: int, offset: int) -> Response:
    """A page (kit.pagination.Page) whose items PostgreSQL wrote as the JSON array of the route's declared
    items (camelCase) from our own rows: sent as written, never loaded, validated or serialised again. The
    route still declares its `response_model`, which the OpenAPI document shows and the contract tests
    check against the answers."""
    content = f'{{"items":{items},"total":{total},"limit":{limit},"offset":{offset}}}'
    return Response(content.encode(), media_type="application/json")
