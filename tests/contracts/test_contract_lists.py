"""Every list of a contract's data names the contract (docs/api-conventions.md, Lists): a GET list route of
its own (no parent in its path) whose items carry `contractCode`, and the lists of contract data whose items
do not repeat it, require the `contractCode` query parameter. A list under a parent (`/calls/{call_id}/…`)
has its contract from that parent."""

from __future__ import annotations

from typing import Any

from tests.contracts.openapi_walk import Operation, is_page, operations, page_item

# Lists of contract data whose items do not carry the code (it is the query's).
WITHOUT_THE_FIELD = {
    "grants GET /applications",
    "grants GET /programmation",
    "grants GET /financial-reports/overdue",
}
# Reviewed exceptions, with their reason: none today.
EXCEPTIONS: dict[str, str] = {
    "gateway GET /api/webhook-subscriptions": "a partner client's own subscriptions, whatever their contracts:"
    " the token's client is the filter",
}


def _items(operation: Operation) -> dict[str, Any] | None:
    for _, schema in operation.json_answers():
        if is_page(schema):
            return page_item(operation, schema)
        if schema.get("type") == "array":
            return operation.resolved(schema["items"])
    return None


def _contract_lists() -> set[str]:
    found = set()
    for operation in operations():
        items = _items(operation) if operation.method == "get" and "{" not in operation.path else None
        if items is not None and "contractCode" in items.get("properties", {}):
            found.add(operation.name)
    return found | WITHOUT_THE_FIELD


def test_every_list_of_contract_data_requires_its_contract() -> None:
    lists = _contract_lists()
    assert {"grants GET /calls", "grants GET /operators", "grants GET /institutions"} <= lists
    by_name = {operation.name: operation for operation in operations()}
    optional = set()
    for name in lists - set(EXCEPTIONS):
        parameter = by_name[name].query_parameter("contractCode")
        if parameter is None or not parameter.get("required"):
            optional.add(name)
    assert optional == set(), "require contractCode, or add the route to EXCEPTIONS with its reason"


def test_the_exceptions_are_still_exceptions() -> None:
    by_name = {operation.name: operation for operation in operations()}
    for name in EXCEPTIONS:
        parameter = by_name[name].query_parameter("contractCode")
        assert parameter is None or not parameter.get("required"), f"{name} requires it now: drop the exception"
