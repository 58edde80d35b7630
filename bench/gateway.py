"""Gateway overhead: the same small GET served directly by territories and through the gateway.

    .venv/bin/python -m bench.gateway [--seconds 8] [--warmup 2]     (from the repository root)

Starts its own embedded PostgreSQL, territories and the gateway (uvicorn, uvloop, httptools, one worker
each) on loopback, loads them with wrk when installed (`apt-get install wrk`) or with a small aiohttp
load generator otherwise, prints req/s and p50/p99 for both and the ratios, then stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import time
from multiprocessing.queues import Queue

from bench.local_stack import running_stack, wrk

# (label, path on territories): the cheapest answer (no database) isolates the gateway's own cost;
# one row from PostgreSQL is a typical small read.
ENDPOINTS = (("healthz", "/healthz"), ("epci", "/epcis/200033579"))


Measured = tuple[float, float, float]


def _python_load(url: str, connections: int, seconds: int, queue: Queue[Measured]) -> None:
    import aiohttp

    async def run() -> None:
        latencies: list[float] = []
        end = time.monotonic() + seconds
        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def worker() -> None:
                while time.monotonic() < end:
                    started = time.perf_counter()
                    async with session.get(url) as response:
                        await response.read()
                        if response.status != 200:
                            raise SystemExit(f"status {response.status}")
                    latencies.append((time.perf_counter() - started) * 1000)

            await asyncio.gather(*(worker() for _ in range(connections)))
        latencies.sort()
        queue.put((len(latencies) / seconds, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]))

    asyncio.run(run())


def measure(url: str, connections: int, seconds: int, warmup: int) -> tuple[float, float, float]:
    if shutil.which("wrk"):
        wrk(url, connections, warmup)
        return wrk(url, connections, seconds)
    queue: Queue[Measured] = multiprocessing.Queue()
    for duration in (warmup, seconds):
        process = multiprocessing.Process(target=_python_load, args=(url, connections, duration, queue))
        process.start()
        process.join(duration + 30)
        result = queue.get(timeout=5)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    arguments = parser.parse_args()

    with running_stack(("territories", "gateway")) as stack:
        ports = stack.ports
        loader = "wrk" if shutil.which("wrk") else "aiohttp (built-in)"
        print(
            f"{arguments.seconds} s per run after {arguments.warmup} s warm-up, "
            f"loader: {loader}, {os.cpu_count()} cores"
        )
        print(f"{'endpoint':<10}{'path':<9}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
        summary = []
        for endpoint, path in ENDPOINTS:
            direct = f"http://127.0.0.1:{ports['territories']}{path}"
            through = f"http://127.0.0.1:{ports['gateway']}/api/territories{path}"
            for connections in (8, 32):
                measured = {}
                for label, url in (("direct", direct), ("gateway", through)):
                    measured[label] = measure(url, connections, arguments.seconds, arguments.warmup)
                    rate, p50, p99 = measured[label]
                    print(f"{endpoint:<10}{label:<9}{connections:>5}{rate:>9.0f}{p50:>9.2f}{p99:>9.2f}")
                ratio = measured["gateway"][0] / measured["direct"][0]
                added = measured["gateway"][1] - measured["direct"][1]
                summary.append(f"{endpoint} c={connections}: gateway/direct {ratio:.2f}x, added p50 {added:+.2f} ms")
        print("\n".join(summary))


if __name__ == "__main__":
    main()
