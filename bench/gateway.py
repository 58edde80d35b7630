"""Gateway overhead: the same small GET served directly by territories and through the gateway.

    .venv/bin/python bench/gateway.py [--seconds 8] [--warmup 2]

Starts its own embedded PostgreSQL, territories and the gateway (uvicorn, uvloop, httptools, one worker
each) on loopback, loads them with wrk when installed (`apt-get install wrk`) or with a small aiohttp
load generator otherwise, prints req/s and p50/p99 for both and the ratios, then stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli.__main__ import _import_reference  # noqa: E402
from cli.provisioning import APPS, DATABASE, migrate, provision_sync  # noqa: E402
from cli.stack import StackSecrets, app_environments  # noqa: E402
from kit.embedded_postgres import EmbeddedPostgres, free_port  # noqa: E402

# (label, path on territories): the cheapest answer (no database) isolates the gateway's own cost;
# one row from PostgreSQL is a typical small read.
ENDPOINTS = (("healthz", "/healthz"), ("epci", "/epcis/200033579"))


def _wait(url: str, deadline: float = 30) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def _wrk(url: str, connections: int, seconds: int) -> tuple[float, float, float]:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout

    def latency(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output)
        if match is None:
            raise SystemExit(output)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise SystemExit(output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx responses")
    return float(rate.group(1)), latency("50%"), latency("99%")


def _python_load(url: str, connections: int, seconds: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
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
        _wrk(url, connections, warmup)
        return _wrk(url, connections, seconds)
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    for duration in (warmup, seconds):
        process = multiprocessing.Process(target=_python_load, args=(url, connections, duration, queue))
        process.start()
        process.join(duration + 30)
        result = queue.get(timeout=5)
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    arguments = parser.parse_args()

    stack_secrets = StackSecrets.generate()
    parent = Path(tempfile.mkdtemp(prefix="cdq-bench-"))
    parent.chmod(0o711)
    cluster = EmbeddedPostgres(root=parent / "pg", superuser_password=stack_secrets.superuser_password)
    cluster.start()
    children: list[subprocess.Popen[bytes]] = []
    try:
        provision_sync(
            cluster.url("postgres", stack_secrets.superuser_password, "postgres", driver="postgresql"),
            DATABASE,
            stack_secrets.role_passwords,
        )
        ports = {app: free_port() for app in APPS}
        environments = app_environments(stack_secrets, "127.0.0.1", cluster.port, ports, environment="production")
        for app in APPS:
            migrate(app, environments[app][f"{app.upper()}_DATABASE_URL"])
        asyncio.run(_import_reference(environments["territories"]["TERRITORIES_DATABASE_URL"]))
        targets = {"territories": "services.territories.app:create_app", "gateway": "gateway.app:create_app"}
        for app, target in targets.items():
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                target,
                "--host",
                "127.0.0.1",
                "--port",
                str(ports[app]),
                "--no-access-log",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--log-level",
                "warning",
            ]
            children.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={
                        **os.environ,
                        **environments[app],
                        "PYTHONPATH": str(ROOT),
                        "TERRITORIES_LOG_LEVEL": "WARNING",
                        "GATEWAY_LOG_LEVEL": "WARNING",
                    },
                    stdout=subprocess.DEVNULL,
                )
            )
            _wait(f"http://127.0.0.1:{ports[app]}/healthz")
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
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=10)
        cluster.stop()
        shutil.rmtree(parent, ignore_errors=True)


if __name__ == "__main__":
    main()
