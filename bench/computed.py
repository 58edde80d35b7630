"""The computed path (`Cache-Control: no-cache`) of the grants' hot reads, measured and profiled.

    .venv/bin/python -m bench.computed [--applications 20000] [--years 7] [--seconds 10] [--profile 200]

Loads the national programmation of bench/grants.py, then measures at c=32 through the gateway (wrk) the
programmation list of a year computed afresh, and one application read directly; with `--profile N`,
serves N of those list requests in-process under pyinstrument and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import httpx

from bench.grants import CONTRACT, load
from bench.local_stack import BenchStack, print_row, running_stack, wrk
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--profile", type=int, default=0, help="list requests to profile in-process (0: none)")
    arguments = parser.parse_args()
    with running_stack(("territories", "grants", "gateway")) as stack:
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
        if arguments.profile:
            asyncio.run(_profile(stack, path, arguments.profile))


if __name__ == "__main__":
    main()
