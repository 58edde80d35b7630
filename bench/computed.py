"""The computed path (`Cache-Control: no-cache`) of the grants' hot reads, measured and profiled.

    .venv/bin/python -m bench.computed [--applications 20000] [--years 7] [--seconds 10] [--profile 200]

Loads the national programmation of bench/grants.py, then measures at c=32 through the gateway (wrk) the
programmation list of a year computed afresh, and one application read directly; then the first page's
statement alone, its LIMIT bound or written in it (kit/compiled_statements.py); with `--profile N`,
serves N of those list requests in-process under pyinstrument and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

import httpx

from bench.grants import CONTRACT, load
from bench.local_stack import BenchStack, cpu_in_process, print_machine_speed, print_row, running_stack, wrk
from identity.principal import Role


def _headers(stack: BenchStack) -> dict[str, str]:
    token = stack.token(Role.CONTRACT_PILOT, [CONTRACT], "cua")
    return {"Authorization": f"Bearer {token}", "Cache-Control": "no-cache"}


async def _profile(stack: BenchStack, path: str, requests: int) -> None:
    from pyinstrument import Profiler

    from services.grants.app import create_app

    os.environ.update(stack.environments["grants"])
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://grants", headers=_headers(stack)) as client:
            for _ in range(20):
                (await client.get(path)).raise_for_status()
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            with profiler:
                await asyncio.gather(*(_serve(client, path, requests // 8) for _ in range(8)))
    print(profiler.output_text(unicode=True, color=False, show_all=False))


async def _serve(client: httpx.AsyncClient, path: str, times: int) -> None:
    for _ in range(times):
        (await client.get(path)).raise_for_status()


# The page of the programmation list as PostgreSQL writes it: one statement, its JSON built in SQL.
PAGE_JSON = """
SELECT coalesce(json_agg(json_build_object(
    'applicationId', a.application_id, 'title', a.title, 'year', a.year, 'scheme', c.scheme,
    'state', a.state, 'outcome', a.outcome, 'qpvCodes', a.qpv_codes, 'horsQpv', a.hors_qpv,
    'operatorId', o.operator_id, 'operatorNom', o.nom, 'operatorProfile', o.profile,
    'objectiveCode', ob.code, 'pillar', ob.pillar,
    'financers', (
        SELECT coalesce(json_agg(json_build_object(
            'institutionCode', i.code, 'requested', (f.requested_cents / 100.0)::numeric(16, 2)::text,
            'proposed', (f.proposed_cents / 100.0)::numeric(16, 2)::text,
            'decided', (f.decided_cents / 100.0)::numeric(16, 2)::text
        ) ORDER BY i.code), '[]')
        FROM grants.financing_lines f JOIN grants.institutions i ON i.institution_id = f.institution_id
        WHERE f.application_id = a.application_id)
) ORDER BY a.year DESC, a.title, a.application_id), '[]')::text
FROM (
    SELECT * FROM grants.applications
    WHERE contract_code = $1 AND year = $2 AND state = ANY($3::text[])
    ORDER BY year DESC, title, application_id LIMIT 50 OFFSET $4
) a
JOIN grants.calls_for_projects c ON c.call_id = a.call_id
JOIN grants.operators o ON o.operator_id = a.operator_id
LEFT JOIN grants.objectives ob ON ob.objective_id = a.primary_objective_id
"""


async def _postgres_json(stack: BenchStack, served: list[Any], year: int, seconds: int) -> None:
    """The same page built by PostgreSQL from the rows (its lines, calls, operators and objectives; no kept
    item or array): equal to the route's items, then timed alone at c=8."""
    import asyncpg

    from services.grants.programmation.repository.scenarios import LIVE_STATES

    pool = await asyncpg.create_pool(stack.owner_dsn("grants"), min_size=8, max_size=8)
    try:
        built = json.loads(await pool.fetchval(PAGE_JSON, CONTRACT, year, LIVE_STATES, 0))
        print_row("page JSON built from the rows equals the route's kept items", str(built == served), "")
        timings: list[float] = []
        until = time.perf_counter() + seconds

        async def reader() -> None:
            while time.perf_counter() < until:
                started = time.perf_counter()
                await pool.fetchval(PAGE_JSON, CONTRACT, year, LIVE_STATES, 0)
                timings.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(reader() for _ in range(8)))
    finally:
        await pool.close()
    timings.sort()
    print_row(
        "page JSON built from the rows, the statement alone, c=8",
        f"{len(timings) / seconds:.0f} req/s",
        f"p50 {timings[len(timings) // 2]:.1f} ms, p99 {timings[int(len(timings) * 0.99)]:.1f} ms "
        f"(load {os.getloadavg()[0]:.1f})",
    )


async def _page_plans(stack: BenchStack, year: int, executions: int = 300) -> None:
    """The route's page statement prepared once and run again and again, its LIMIT bound as a parameter
    (PostgreSQL plans it at each execution) or written in the statement (a first page: its plan is kept)."""
    import asyncpg

    from kit.compiled_statements import compile_statement, json_page_statement, unbound
    from services.grants.programmation.repository import statements

    shape = frozenset({"year"})
    values = {"contract_code": CONTRACT, "year": year, "limit": 50, "longer": 51, "offset": 0}
    connection = await asyncpg.connect(stack.owner_dsn("grants"))
    try:
        for label, first in (("bound", None), ("written in the statement", 50)):
            page = json_page_statement(
                statements._rows(shape),
                statements._kept_item,
                lambda columns: statements._in_order(columns, shape),
                first=first,
                items_written=True,
            )
            compiled = compile_statement(page, unbound(page))
            prepared = await connection.prepare(compiled.sql)
            arguments = compiled.arguments(values)
            for _ in range(20):
                await prepared.fetch(*arguments)
            started = time.perf_counter()
            for _ in range(executions):
                await prepared.fetch(*arguments)
            took = (time.perf_counter() - started) * 1000 / executions
            print_row(f"first page's statement, its LIMIT {label}, one connection", f"{took:.2f} ms", "")
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--profile", type=int, default=0, help="list requests to profile in-process (0: none)")
    arguments = parser.parse_args()
    with running_stack(("territories", "grants", "gateway")) as stack:
        print_machine_speed(stack)
        started = time.perf_counter()
        calls, _ = asyncio.run(load(stack, arguments.applications, arguments.years))
        print_row("loaded", f"{time.perf_counter() - started:.1f} s", "(COPY)")
        year = 2024 + len(calls) // 2
        path = f"/programmation?contractCode={CONTRACT}&year={year}&limit=50"
        headers = _headers(stack)
        first = httpx.get(stack.url("grants") + path, headers=headers).json()["items"][0]["applicationId"]
        lists = {
            "programmation list of a year, computed, gateway": f"{stack.url('gateway')}/api/grants{path}",
            "programmation list, filtered, computed, gateway": (
                f"{stack.url('gateway')}/api/grants{path}&qpv=QN06259M&state=notified"
            ),
            "programmation list, page 20, computed, gateway": f"{stack.url('gateway')}/api/grants{path}&offset=950",
            "one application, computed, direct": f"{stack.url('grants')}/applications/{first}",
        }
        for label, url in lists.items():
            wrk(url, 32, 2, headers)
            rate, p50, p99 = wrk(url, 32, arguments.seconds, headers)
            load_average = os.getloadavg()[0]
            print_row(
                f"{label}, c=32", f"{rate:.0f} req/s", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (load {load_average:.1f})"
            )
        served = httpx.get(stack.url("grants") + path, headers=headers).json()["items"]
        asyncio.run(_postgres_json(stack, served, year, arguments.seconds))
        asyncio.run(_page_plans(stack, year))
        if arguments.profile:
            one = {"one application (5 tables), computed": f"/applications/{first}"}
            asyncio.run(cpu_in_process(stack, "grants", one, headers, arguments.profile))
            asyncio.run(_profile(stack, path, arguments.profile))


if __name__ == "__main__":
    main()
