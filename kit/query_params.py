"""A query parameter a route reads as one value, given twice, is refused (422 naming it) instead of read as
one of its copies: FastAPI takes the last (`limit=500&limit=1` read 1), a cache or a proxy in front may take
the first, and the request would mean two things. A parameter declared as a list takes every copy."""

from __future__ import annotations

from fastapi import params
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from starlette.datastructures import QueryParams

from kit.problems import FieldError, ProblemError


def scalar_query_names(dependant: Dependant) -> frozenset[str]:
    """The query parameters a route (its dependencies included) reads as one value each."""
    return frozenset(
        field.alias
        for field in get_flat_params(dependant)
        if isinstance(field.field_info, params.Query) and not field_annotation_is_sequence(field.field_info.annotation)
    )


def refuse_repeated(query: QueryParams, scalar_names: frozenset[str]) -> None:
    if len(query) == len(query.multi_items()):  # no name given twice: the usual request, checked at once
        return
    repeated = sorted(name for name in scalar_names if len(query.getlist(name)) > 1)
    if not repeated:
        return
    message = "given once: which copy would count is the reader's choice"
    raise ProblemError(
        422,
        "validation",
        "Invalid input",
        "Query parameters given more than once: " + ", ".join(repeated),
        errors=[
            FieldError(pointer=f"/query/{name}", field=name, rule="given-once", message=message) for name in repeated
        ],
    )
