"""`fields=code,nom`: answer only the fields asked for, as API Géo does.

Models that support it declare no required property in their schema (`fields_may_be_left_out`), so a
narrowed answer still conforms to the published contract.
"""

# No `from __future__ import annotations`: FastAPI must see the parameter built at call time below.
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from kit.problems import FieldError, ProblemError

FIELDS_PATTERN = r"^[A-Za-z][A-Za-z0-9]*(,[A-Za-z][A-Za-z0-9]*)*$"


def fields_may_be_left_out(schema: dict[str, Any]) -> None:
    schema.pop("required", None)


def fields_query(model: type[BaseModel]) -> Callable[..., Coroutine[Any, Any, frozenset[str] | None]]:
    """A dependency reading `fields` and refusing names the model does not have."""
    known = sorted(field.alias or name for name, field in model.model_fields.items())

    async def selected_fields(
        fields: Annotated[
            str | None,
            Query(
                max_length=500,
                pattern=FIELDS_PATTERN,
                description="Comma-separated fields to return: " + ", ".join(known),
            ),
        ] = None,
    ) -> frozenset[str] | None:
        if fields is None:
            return None
        asked = frozenset(fields.split(","))
        unknown = sorted(asked - set(known))
        if unknown:
            message = f"unknown field(s) {', '.join(unknown)}; known: {', '.join(known)}"
            raise ProblemError(
                422,
                "validation",
                "Invalid input",
                message,
                errors=[FieldError(pointer="/query/fields", field="fields", rule="known-field", message=message)],
            )
        return asked

    return selected_fields


def only(payload: dict[str, Any], fields: frozenset[str] | None) -> dict[str, Any]:
    return payload if fields is None else {key: value for key, value in payload.items() if key in fields}
