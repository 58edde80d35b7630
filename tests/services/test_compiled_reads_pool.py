"""A service's reading units send their compiled statements on a pool of their own, whose connections plan each
statement once (kit/service_app.py, kit/database.py `generic_plans`); everything else goes on the app's pool."""

from __future__ import annotations

import asyncpg
import httpx

from identity.principal import Role
from tests.participation.bodies import new_body
from tests.running_stack import RunningStack


async def test_a_computed_lists_statement_runs_on_the_compiled_reads_pool_and_a_write_on_the_apps(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    await new_body(stack, gateway, new_contract)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    listed = await gateway.get(
        f"/api/participation/bodies?contractCode={new_contract}", headers={**pilot, "Cache-Control": "no-cache"}
    )
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 1
    admin = await asyncpg.connect(stack.admin_dsn())
    try:
        rows = await admin.fetch(
            "SELECT application_name, query FROM pg_stat_activity WHERE application_name LIKE 'participation%'"
        )
    finally:
        await admin.close()
    last_queries: dict[str, list[str]] = {}
    for row in rows:
        last_queries.setdefault(row["application_name"], []).append(row["query"].lower())
    # The list's compiled statement was the last one sent on one of the compiled reads' connections.
    assert any("bodies" in query and "contract_code" in query for query in last_queries["participation-reads"])
    # Nothing is ever written on them: their generic plans are for reads without IN lists.
    assert not any(
        query.lstrip().startswith(("insert", "update", "delete")) for query in last_queries["participation-reads"]
    )
    assert "participation" in last_queries  # the app's own pool, which wrote the body
