"""What the CUA's demo programmation adds to a start: the grants reference import timed on a fresh
database (first start) and again (second start: the demo is there, nothing is written).

    .venv/bin/python -m bench.demo_programmation   (from the repository root)

Uses its own embedded PostgreSQL cluster; stops it after.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import services.grants.demo.use_cases.load as demo_load
from cli.data_imports import import_grants_reference_data, import_reference
from kit.unit_of_work import UnitOfWork
from tests.running_stack import migrate_all, start_cluster


def main() -> None:
    cluster, secrets = start_cluster()
    real = demo_load.load_demo_programmation
    spent: list[float] = []

    async def timed(uow: UnitOfWork) -> Any:
        start = time.perf_counter()
        report = await real(uow)
        spent.append(time.perf_counter() - start)
        return report

    demo_load.load_demo_programmation = timed  # the import reads it when it runs
    try:
        migrate_all(cluster, secrets)
        asyncio.run(import_reference(secrets.runtime_url("territories", "127.0.0.1", cluster.port)))
        print("| start | grants reference import (s) | of which the demo programmation (s) |")
        print("|---|---|---|")
        for run in ("first", "second"):
            start = time.perf_counter()
            asyncio.run(import_grants_reference_data(secrets.runtime_url("grants", "127.0.0.1", cluster.port)))
            print(f"| {run} | {time.perf_counter() - start:.2f} | {spent[-1]:.2f} |")
    finally:
        demo_load.load_demo_programmation = real
        cluster.stop()


if __name__ == "__main__":
    main()
