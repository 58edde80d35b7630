"""Events: a burst of writes through the real stack, every event delivered by webhook to a real receiver.

    .venv/bin/python -m bench.events [--writes 10000] [--concurrency 16] [--cost-writes 1000]   (from the root)

Starts its own embedded PostgreSQL, the four apps (development settings: webhooks may target loopback),
`python -m gateway.worker`, a receiver (aiohttp, a process of its own, on loopback) and a partner client
subscribed to `operator.registered` on one contract. Then:
1. the burst: `--writes` operator registrations (an audited write that emits one event) through the gateway
   at `--concurrency`; every event must reach the receiver. Lag: receipt at the receiver minus the write's
   answer at the client (the answer leaves after the commit: the lag measured is at most the true one by
   the answer's trip, well under a millisecond on loopback);
2. the outbox's cost, worker stopped: `--cost-writes` writes one at a time, alternately to grants as served
   and to a second grants process that writes no event (bench/without_outbox.py), both called directly.
Prints a table, then stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import Queue
from pathlib import Path

import httpx

from bench.grants import CONTRACT
from bench.local_stack import ROOT, BenchStack, _wait, print_row, running_stack
from cli.embedded_postgres import free_port
from cli.provisioning import APPS
from cli.stack import APP_TARGETS
from identity.principal import Principal, Role
from services.grants.demo.domain import fictitious_siret

EVENT_TYPE = "operator.registered"
Receipt = tuple[str, str, float]  # webhook-id, the event's resource id, when it arrived (epoch seconds)


def _receive(port: int, receipts: Queue[Receipt]) -> None:
    from aiohttp import web

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        arrived = time.time()
        receipts.put((request.headers["webhook-id"], json.loads(body)["resourceId"], arrived))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks", hook)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


@contextmanager
def running_receiver() -> Iterator[tuple[str, Queue[Receipt]]]:
    port = free_port()
    receipts: Queue[Receipt] = multiprocessing.Queue()
    process = multiprocessing.Process(target=_receive, args=(port, receipts), daemon=True)
    process.start()
    try:
        yield f"http://127.0.0.1:{port}/hooks", receipts
    finally:
        process.terminate()
        process.join(10)


@contextmanager
def started(command: list[str], environment: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environment}, stdout=output, stderr=output)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def subscribe(stack: BenchStack, url: str) -> None:
    """A partner client of the contract, registered as `./dev clients` does, subscribed with its own token."""
    from gateway.use_cases import oauth_clients
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork

    engine = create_engine(stack.environments["gateway"]["GATEWAY_DATABASE_URL"], "gateway", application_name="bench")
    client_id = "cdq-bench-" + uuid.uuid4().hex[:8]
    try:
        secret = await oauth_clients.register_client(
            UnitOfWork(create_sessionmaker(engine)),
            Principal(subject="bench", kind="user", roles=frozenset({Role.PLATFORM_ADMIN})),
            oauth_clients.ClientRegistration(
                client_id=client_id,
                name="Partenaire (bench)",
                institution="bench",
                roles=[Role.CONTRACT_PILOT],
                scopes=["grants:read"],
                contracts=[CONTRACT],
                organisations=[],
                communes=[],
                bodies=[],
            ),
        )
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) as gateway:
        for _ in range(120):  # the event types are read from the aggregated OpenAPI: wait until it is whole
            if "x-unavailable" not in (await gateway.get("/api/openapi.json")).json():
                break
            await asyncio.sleep(0.5)
        issued = await gateway.post(
            "/api/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        token = issued.json()["access_token"]
        created = await gateway.post(
            "/api/webhook-subscriptions",
            json={"url": url, "types": [EVENT_TYPE], "contractCode": CONTRACT},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        )
    if created.status_code != 201:
        raise SystemExit(f"subscription refused: {created.text}")


def _operator(number: int) -> dict[str, str]:
    return {
        "contractCode": CONTRACT,
        "nom": f"Association {number}",
        "siret": fictitious_siret(number),
        "profile": "association",
    }


async def burst(stack: BenchStack, writes: int, concurrency: int) -> tuple[dict[str, float], list[float], float, float]:
    """The writes through the gateway: when each resource's write was answered, each latency (ms), when the
    burst began (epoch seconds) and how long it took."""
    headers = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [CONTRACT], 'cua')}"}
    answered: dict[str, float] = {}
    latencies: list[float] = []
    numbers = iter(range(1, writes + 1))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=stack.url("gateway"), headers=headers, limits=limits, timeout=60) as client:

        async def writer() -> None:
            for number in numbers:
                sent = time.perf_counter()
                response = await client.post("/api/grants/operators", json=_operator(number))
                latencies.append((time.perf_counter() - sent) * 1000)
                if response.status_code != 201:
                    raise SystemExit(f"write refused: {response.status_code} {response.text}")
                answered[response.json()["id"]] = time.time()

        began, clock = time.time(), time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(concurrency)))
        return answered, latencies, began, time.perf_counter() - clock


def collect(receipts: Queue[Receipt], expected: set[str], deadline_seconds: float) -> dict[str, float]:
    """The first receipt of each expected resource's event, waiting until all are in or the deadline."""
    first: dict[str, float] = {}
    end = time.monotonic() + deadline_seconds
    while not expected <= first.keys() and time.monotonic() < end:
        try:
            _webhook_id, resource, arrived = receipts.get(timeout=1)
        except queue.Empty:
            continue
        first.setdefault(resource, arrived)
    return first


def warm_up(stack: BenchStack, receipts: Queue[Receipt]) -> None:
    """One write delivered before the burst: the worker is up (its start is not the lag of the burst's events)."""
    headers = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [CONTRACT], 'cua')}"}
    written = httpx.post(f"{stack.url('gateway')}/api/grants/operators", json=_operator(0), headers=headers, timeout=30)
    if written.status_code != 201 or not collect(receipts, {written.json()["id"]}, 120):
        raise SystemExit(f"the warm-up write was not delivered: {written.status_code} {written.text}")


def outbox_cost(with_outbox: str, without_outbox: str, headers: dict[str, str], count: int) -> dict[str, list[float]]:
    """The same write one at a time, alternately to each grants process (drift falls on both alike)."""
    timings: dict[str, list[float]] = {with_outbox: [], without_outbox: []}
    with httpx.Client(headers=headers, timeout=30) as client:
        for number in range(count + 20):
            for base in (with_outbox, without_outbox):
                sent = time.perf_counter()
                response = client.post(
                    f"{base}/operators", json=_operator(1_000_000 + 2 * number + (base == without_outbox))
                )
                elapsed = (time.perf_counter() - sent) * 1000
                if response.status_code != 201:
                    raise SystemExit(f"write refused: {response.status_code} {response.text}")
                if number >= 20:  # the first ones warm the connections and caches
                    timings[base].append(elapsed)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--cost-writes", type=int, default=1000)
    parser.add_argument("--deadline", type=float, default=600, help="seconds to wait for the last delivery")
    arguments = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="cdq-bench-events-"))
    with running_stack(APPS, environment="development") as stack, running_receiver() as (url, receipts):
        gateway_environment = {
            **stack.environments["gateway"],
            "GATEWAY_LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG_LEVEL", "WARNING"),
        }
        baseline_port = free_port()
        baseline_command = [
            sys.executable, "-m", "bench.without_outbox", "--factory", APP_TARGETS["grants"],
            "--host", "127.0.0.1", "--port", str(baseline_port), "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        grants_environment = {**stack.environments["grants"], "GRANTS_LOG_LEVEL": "WARNING"}
        with started(baseline_command, grants_environment, logs / "without-outbox.log"):
            _wait(f"http://127.0.0.1:{baseline_port}/healthz")
            asyncio.run(subscribe(stack, url))
            with started([sys.executable, "-m", "gateway.worker"], gateway_environment, logs / "worker.log"):
                warm_up(stack, receipts)
                print(f"{arguments.writes:,} writes at concurrency {arguments.concurrency}, {os.cpu_count()} cores")
                print(f"{'measure':<62}{'result':>18}   target", flush=True)
                answered, latencies, began, seconds = asyncio.run(burst(stack, arguments.writes, arguments.concurrency))
                first = collect(receipts, set(answered), arguments.deadline)
            lags = [(first[resource] - at) * 1000 for resource, at in answered.items() if resource in first]
            delivered_in = max(first.values()) - began if first else 0.0
            print_row("writes through the gateway", f"{len(answered) / seconds:.0f} /s", f"({seconds:.1f} s)")
            print_row(
                "  write latency p50 / p99 (gateway, burst)",
                f"{statistics.median(latencies):.1f} / {percentile(latencies, 0.99):.1f} ms",
                "",
            )
            print_row(
                "events delivered",
                f"{len(first):,} / {len(answered):,}",
                f"(all; {len(first) / delivered_in:.0f} /s from the first write)" if first else "(all)",
            )
            if lags:
                print_row("lag commit → receipt, p50", f"{statistics.median(lags):.0f} ms", f"(min {min(lags):.0f} ms)")
                print_row("lag commit → receipt, p99", f"{percentile(lags, 0.99):.0f} ms", "(target < 2000 ms)")
            headers = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [CONTRACT], 'cua')}"}
            timings = outbox_cost(
                stack.url("grants"), f"http://127.0.0.1:{baseline_port}", headers, arguments.cost_writes
            )
        served, baseline = timings[stack.url("grants")], timings[f"http://127.0.0.1:{baseline_port}"]
        for label, values in (("with the outbox", served), ("without (bench/without_outbox.py)", baseline)):
            print_row(
                f"write latency p50 / p99, one at a time, {label}",
                f"{statistics.median(values):.2f} / {percentile(values, 0.99):.2f} ms",
                "",
            )
        added = statistics.median(served) - statistics.median(baseline)
        print_row("the outbox adds to a write (p50)", f"{added:.2f} ms", "(target < 1 ms)")
    print(f"logs: {logs}")


if __name__ == "__main__":
    main()
