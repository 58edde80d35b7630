"""What the call deadline's writes cost each part of the system: CPU per write, not req/s.

    .venv/bin/python -m bench.write_cost [--files 240] [--users 8] [--workers 1]
        [--applications 20000] [--years 7] [--contracts 100] [--no-keys] [--settle 300]   (from the repository root)

On the stack and data of bench/call_deadline.py, through the gateway: `--users` operators file `--files`
applications (create, budget, submit: three writes each), then the State, the pilot and the two financers
take every step of each one (receipt, instruction, proposal, two decisions: five writes each). Prints, per
phase, the milliseconds of CPU each part (an app with its workers, PostgreSQL, the load generator) spent
per application filed or per step taken, and the writes' p50 and p99, once the data just loaded is
vacuumed and checkpointed. A machine's speed moves req/s by a fifth within the hour; the CPU a write costs
each process moves far less, so this is the figure to compare two versions of the code with (run them in
turn). Each POST carries an Idempotency-Key, as docs/integrators.md asks (`--no-keys`: none, to
compare). `--settle 300`: the longest wait for autovacuum, in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Awaitable, Callable

import aiohttp
import asyncpg

from bench.call_deadline import World, at_share, financer_acts, operator_files, prepare, user_client
from bench.local_stack import cpu_shares, print_machine_speed, print_row, running_stack

FILED = "operator: create, budget, submit"
DECIDED = "financer: instruct, decide"


async def _phase(users: int, act: Callable[[int, aiohttp.ClientSession], Awaitable[None]]) -> float:
    started = time.perf_counter()

    async def user(number: int) -> None:
        async with user_client() as client:
            await act(number, client)

    await asyncio.gather(*(user(number) for number in range(users)))
    return time.perf_counter() - started


async def _settled(dsn: str, limit: float) -> float:
    """The data just loaded vacuumed and checkpointed, then (up to `limit` seconds) no autovacuum running:
    otherwise PostgreSQL's own work on millions of new rows (hint bits, vacuum, the checkpoint's writes)
    would be counted as the writes' CPU."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("VACUUM")
        await connection.execute("CHECKPOINT")
        while time.perf_counter() - started < limit:
            query = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            if await connection.fetchval(query) == 0:
                break
            await asyncio.sleep(1)
    finally:
        await connection.close()
    return time.perf_counter() - started


def _measure(world: World, users: int, files: int, seed: int) -> None:
    rng = random.Random(seed)

    async def file(number: int, client: aiohttp.ClientSession) -> None:
        for _ in range(files // users):
            await operator_files(world, client, number, rng)

    async def decide(number: int, client: aiohttp.ClientSession) -> None:
        while world.waiting:
            await financer_acts(world, client, number, rng)

    print(f"\n{'phase':<34}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}   CPU ms each, by part")
    for label, kind, act, per in (
        ("file an application (3 writes)", FILED, file, 3),
        ("take a financer's step (1 write)", DECIDED, decide, 1),
    ):
        with cpu_shares(world.stack) as cores:
            elapsed = asyncio.run(_phase(users, act))
        tally = world.tallies[kind]
        errors = sum(tally.errors.values())
        count = (len(tally.timings) - errors) / per
        timings = sorted(tally.timings)
        p50, p99 = at_share(timings, 0.5), at_share(timings, 0.99)
        spent = ", ".join(
            f"{part} {share * elapsed * 1000 / max(count, 1):.2f}"
            for part, share in sorted(cores.items(), key=lambda item: -item[1])
        )
        print(f"{label:<34}{count:>7.0f}{errors:>8}{p50:>9.1f}{p99:>9.1f}   {spent}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=240, help="applications filed, then decided")
    parser.add_argument("--users", type=int, default=8, help="operators filing (and financers deciding) at once")
    parser.add_argument("--workers", type=int, default=None, help="processes per app (default: *_WORKERS, else 1)")
    parser.add_argument("--applications", type=int, default=20_000, help="applications per year (bench/grants.py)")
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--contracts", type=int, default=100, help="participation contracts (50 bodies each)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--no-keys", action="store_true", help="POSTs without an Idempotency-Key")
    parser.add_argument("--settle", type=float, default=300, help="longest wait for autovacuum, in seconds")
    arguments = parser.parse_args()
    arguments.concurrency = str(arguments.users)  # one new operator per user (bench/call_deadline.py prepare)
    apps = ("territories", "grants", "participation", "gateway")
    with running_stack(apps, workers=arguments.workers) as stack:
        print_machine_speed(stack)
        started = time.perf_counter()
        setup = asyncio.run(prepare(stack, arguments))
        print_row("loaded the national data sets", f"{time.perf_counter() - started:.1f} s", "(COPY)")
        waited = asyncio.run(_settled(stack.superuser_dsn(), arguments.settle))
        print_row("vacuumed, checkpointed, autovacuum done", f"{waited:.0f} s", f"(at most {arguments.settle:.0f} s)")
        world = World(stack, setup)
        world.keyed = not arguments.no_keys
        print_row("each POST with an Idempotency-Key", "no" if arguments.no_keys else "yes", "")
        _measure(world, arguments.users, arguments.files, arguments.seed)


if __name__ == "__main__":
    main()
