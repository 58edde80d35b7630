"""One list shape (docs/api-conventions.md, Lists): every list answers the page `{items, total, limit,
offset}` with the kit's `limit`/`offset` bounds, unless the route's description says why it is bounded by
nature (`Not paged:` and its reason)."""

from __future__ import annotations

from kit.pagination import MAX_OFFSET, MAX_PAGE_SIZE
from tests.contracts.openapi_walk import is_page, operations

NOT_PAGED = "Not paged:"


def test_a_list_is_a_page_or_says_why_not() -> None:
    unexplained = [
        f"{operation.name} ({status})"
        for operation in operations()
        for status, schema in operation.json_answers()
        if schema.get("type") == "array" and NOT_PAGED not in operation.spec.get("description", "")
    ]
    assert unexplained == [], f"answer a Page, or say in the route's docstring '{NOT_PAGED} <reason>'"


def test_every_page_takes_the_kits_limit_and_offset() -> None:
    pages = [
        operation
        for operation in operations()
        for _, schema in operation.json_answers()
        if operation.method == "get" and is_page(schema)
    ]
    assert len(pages) > 20
    for operation in pages:
        limit, offset = operation.query_parameter("limit"), operation.query_parameter("offset")
        assert limit is not None, operation.name
        assert offset is not None, operation.name
        assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, MAX_PAGE_SIZE), operation.name
        assert (offset["schema"]["minimum"], offset["schema"]["maximum"]) == (0, MAX_OFFSET), operation.name


def test_the_lists_that_grow_are_pages() -> None:
    paged = {
        operation.name
        for operation in operations()
        for _, schema in operation.json_answers()
        if operation.method == "get" and is_page(schema)
    }
    assert {
        "territories GET /regions",
        "territories GET /departements",
        "territories GET /qpv-generations",
        "territories GET /indicators",
        "grants GET /institutions",
        "grants GET /financial-reports/overdue",
        "participation GET /consultations/{consultation_id}/contacts",
        "participation GET /draws/{draw_id}/drawn",
    } <= paged
