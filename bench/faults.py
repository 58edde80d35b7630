"""Faults replayed on a fresh stack: `python -m cli up` (the supervisor users run) in a temporary data
directory, loopback only, every load bounded. One line per scenario: the requests sent, the statuses seen,
how many 500s, how many writes were lost (answered 201, not stored) or duplicated (stored twice once every
unanswered write was repeated with its Idempotency-Key). Target: 0 / 0 / 0.

    .venv/bin/python -m bench.faults
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx

from bench.territories import SQUARE_HEADER, synthetic_squares
from cli.embedded_postgres import free_port
from cli.stack import AUDIENCE, ISSUER, StackSecrets
from identity.principal import Role, scopes_for_roles
from kit.auth.tokens import TokenGrant, TokenIssuer

ROOT = Path(__file__).resolve().parent.parent
BODIES = "/api/participation/bodies"
CONTRACT = "CV-200033579-2024"


@dataclass
class Stack:
    """The running `cli up` and what it wrote about itself."""

    data_dir: Path
    gateway: str
    process: subprocess.Popen[bytes]

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.data_dir / "state.json").read_text())
        return state

    def pid(self, service: str) -> int:
        return int(self.state()["services"][service]["pid"])

    def secrets(self) -> StackSecrets:
        return StackSecrets.load_or_create(self.data_dir / "secrets.json")

    def dsn(self, app: str) -> str:
        port = int(self.state()["services"]["postgres"]["port"])
        return self.secrets().runtime_url(app, "127.0.0.1", port).replace("postgresql+asyncpg", "postgresql")

    def headers(self, roles: list[Role], contracts: list[str] | None = None, **bindings: Any) -> dict[str, str]:
        issuer = TokenIssuer(self.secrets().signing_key_pem, ISSUER, AUDIENCE, 3600)
        grant = TokenGrant(
            subject=bindings.get("subject", "faults-" + uuid.uuid4().hex[:6]),
            kind="user",
            institution=bindings.get("institution", "faults"),
            roles=[role.value for role in roles],
            scopes=sorted(scopes_for_roles(roles)),
            contracts=contracts or [],
            organisations=bindings.get("organisations", ()),
        )
        return {"Authorization": "Bearer " + issuer.mint(grant)}


@contextmanager
def fresh_stack() -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="cdq-faults-") as directory:
        root = Path(directory)
        root.chmod(0o711)  # the cluster runs as `nobody` when we are root
        data_dir = root / "data"
        base = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "up", "--port-base", str(base)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "CDQ_DATA_DIR": str(data_dir)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack = Stack(data_dir, f"http://127.0.0.1:{base}", process)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise SystemExit("`cli up` exited before the stack was ready")
                try:
                    if httpx.get(stack.gateway + "/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            else:
                raise SystemExit("the stack was not ready in 180 s")
            yield stack
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Tally:
    """What one scenario saw."""

    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    lost: int = 0
    duplicated: int = 0
    note: str = ""

    def line(self, name: str) -> str:
        seen = " ".join(f"{status}×{count}" for status, count in sorted(self.statuses.items()))
        requests = sum(self.statuses.values())
        return (
            f"| {name} | {requests} | {seen} | {self.statuses.get(500, 0)} | {self.lost} | {self.duplicated} |"
            f" {self.note} |"
        )


def _body(name: str) -> dict[str, Any]:
    return {"contractCode": CONTRACT, "name": name, "kind": "conseil_citoyen", "participationLevel": "consultation"}


async def _names(stack: Stack, prefix: str) -> collections.Counter[str]:
    connection = await asyncpg.connect(stack.dsn("participation"))
    try:
        rows = await connection.fetch("SELECT name FROM participation.bodies WHERE name LIKE $1", prefix + "%")
    finally:
        await connection.close()
    return collections.Counter(row["name"] for row in rows)


@dataclass
class Write:
    name: str
    key: str
    status: int = 0
    retry_after: bool = False


async def _post(client: httpx.AsyncClient, headers: dict[str, str], write: Write) -> None:
    try:
        answer = await client.post(BODIES, json=_body(write.name), headers={**headers, "Idempotency-Key": write.key})
    except httpx.TransportError:
        write.status = 0
        return
    write.status, write.retry_after = answer.status_code, "retry-after" in answer.headers


async def _settle(
    stack: Stack, client: httpx.AsyncClient, headers: dict[str, str], writes: list[Write], tally: Tally
) -> None:
    """Count what was stored, then repeat every unanswered write with its key, as a client would."""
    stored = await _names(stack, writes[0].name.rsplit(" ", 1)[0])
    tally.lost += sum(1 for write in writes if write.status == 201 and stored[write.name] != 1)
    misleading = sum(1 for write in writes if write.status == 503 and write.retry_after and stored[write.name])
    for write in writes:
        if write.status != 201:
            for _ in range(30):
                await _post(client, headers, write)
                if write.status in (201, 422):
                    break
                await asyncio.sleep(0.5)
    stored = await _names(stack, writes[0].name.rsplit(" ", 1)[0])
    tally.duplicated += sum(1 for write in writes if stored[write.name] > 1)
    tally.lost += sum(1 for write in writes if stored[write.name] == 0)
    tally.note += (
        f"{misleading} stored writes answered 503 + Retry-After; every write not answered 201 repeated with its"
        " key until answered"
    )


async def postgresql_restart(stack: Stack) -> Tally:
    tally = Tally()
    headers = stack.headers([Role.CONTRACT_PILOT], [CONTRACT])
    prefix = "Restart " + uuid.uuid4().hex[:6]
    writes: list[Write] = []
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:

        async def load() -> None:
            while not stop.is_set():
                try:
                    read = await client.get(
                        BODIES,
                        params={"contractCode": CONTRACT, "limit": 5},
                        headers={**headers, "Cache-Control": "no-cache"},
                    )
                    tally.statuses[read.status_code] += 1
                except httpx.TransportError:
                    tally.statuses[0] += 1
                write = Write(f"{prefix} {len(writes)}", str(uuid.uuid4()))
                writes.append(write)
                await _post(client, headers, write)
                tally.statuses[write.status] += 1

        workers = [asyncio.create_task(load()) for _ in range(6)]
        await asyncio.sleep(1.5)
        os.kill(stack.pid("postgres"), signal.SIGINT)  # fast shutdown: the supervisor starts it again
        await asyncio.sleep(4.0)
        stop.set()
        await asyncio.gather(*workers)
        await _settle(stack, client, headers, writes, tally)
    return tally


async def _back(stack: Stack, service: str, gone: int) -> None:
    """Until the supervisor has started `service` again (another pid) and it answers."""
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=1) as client:
        for _ in range(120):
            if stack.pid(service) != gone:
                try:
                    if (await client.get(f"/api/{service}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.25)
    raise SystemExit(f"{service} did not come back")


async def service_killed(stack: Stack) -> Tally:
    tally = Tally()
    headers = stack.headers([Role.CONTRACT_PILOT], [CONTRACT])
    prefix = "Killed " + uuid.uuid4().hex[:6]
    writes: list[Write] = []
    stop, under_way = asyncio.Event(), asyncio.Event()
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:

        async def burst() -> None:
            while not stop.is_set():
                write = Write(f"{prefix} {len(writes)}", str(uuid.uuid4()))
                writes.append(write)
                await _post(client, headers, write)
                if len(writes) >= 40:
                    under_way.set()

        workers = [asyncio.create_task(burst()) for _ in range(8)]
        await under_way.wait()  # killed once the burst is well under way
        victim = stack.pid("participation")
        os.kill(victim, signal.SIGKILL)  # the supervisor restarts it
        await asyncio.sleep(2.0)
        stop.set()
        await asyncio.gather(*workers)
        await _back(stack, "participation", victim)
        tally.statuses.update(write.status for write in writes)
        await _settle(stack, client, headers, writes, tally)
    return tally


async def service_stopped(stack: Stack) -> Tally:
    tally = Tally()
    headers = stack.headers([Role.CONTRACT_PILOT], [CONTRACT])
    pid = stack.pid("participation")
    async with httpx.AsyncClient(
        base_url=stack.gateway, timeout=30, limits=httpx.Limits(max_connections=400)
    ) as client:
        os.kill(pid, signal.SIGSTOP)
        try:
            stuck = [
                asyncio.create_task(client.get(BODIES, params={"contractCode": CONTRACT}, headers=headers))
                for _ in range(240)
            ]
            await asyncio.sleep(0.5)
            healthy: collections.Counter[int] = collections.Counter()
            for _ in range(40):
                answer = await client.get("/api/territories/qpvs", params={"codeEpci": "200033579"})
                healthy[answer.status_code] += 1
            await asyncio.sleep(2.0)
        finally:
            os.kill(pid, signal.SIGCONT)
        await _back(stack, "participation", -1)
        for outcome in await asyncio.gather(*stuck, return_exceptions=True):
            tally.statuses[outcome.status_code if isinstance(outcome, httpx.Response) else 0] += 1
        tally.statuses.update(healthy)
        tally.note = f"territories while participation was stopped: {dict(healthy)}"
    return tally


async def locked_row(stack: Stack) -> Tally:
    tally = Tally()
    headers = stack.headers([Role.CONTRACT_PILOT], [CONTRACT])
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:
        held, free = [
            (await client.post(BODIES, json=_body(f"Locked {uuid.uuid4().hex[:6]}"), headers=headers)).json()
            for _ in range(2)
        ]
        etag = {
            body["id"]: (await client.get(f"{BODIES}/{body['id']}", headers=headers)).headers["etag"]
            for body in (held, free)
        }
        locker = await asyncpg.connect(stack.dsn("participation"))
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute("SELECT 1 FROM participation.bodies WHERE body_id = $1 FOR UPDATE", uuid.UUID(held["id"]))
        started = time.perf_counter()
        writers = [
            client.patch(
                f"{BODIES}/{held['id']}", json={"name": f"N {index}"}, headers={**headers, "If-Match": etag[held["id"]]}
            )
            for index in range(30)
        ]
        other = client.patch(
            f"{BODIES}/{free['id']}", json={"name": "Free"}, headers={**headers, "If-Match": etag[free["id"]]}
        )
        answers = await asyncio.gather(*writers, other)
        slowest = time.perf_counter() - started
        await transaction.rollback()
        await locker.close()
        tally.statuses.update(answer.status_code for answer in answers)
        tally.note = (
            f"30 writers of a locked row all answered within {slowest:.1f} s;"
            f" another row's writer: {answers[-1].status_code}"
        )
    return tally


async def long_import(stack: Stack) -> Tally:
    tally = Tally()
    count = 400_000
    content = SQUARE_HEADER + "\n" + "\n".join(",".join(row) for row in synthetic_squares(count)) + "\n"
    headers = {**stack.headers([Role.PLATFORM_ADMIN]), "Content-Type": "text/csv"}
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=60) as client:
        started = time.perf_counter()
        accepted = await client.post(
            "/api/territories/filosofi-squares/imports",
            params={"vintage": 2019, "communes": "62041", "dryRun": "true"},
            content=content,
            headers=headers,
        )
        answered = time.perf_counter() - started
        tally.statuses[accepted.status_code] += 1
        if accepted.status_code != 202:
            tally.lost += 1
            tally.note = f"not accepted: {accepted.text[:300]}"
            return tally
        location = accepted.headers["location"]
        while True:
            read = await client.get(location, params={"wait": 5}, headers=headers)
            tally.statuses[read.status_code] += 1
            if read.status_code != 200:
                tally.lost += 1
                tally.note = f"the job could not be read: {read.text[:300]}"
                return tally
            job = read.json()
            if job["state"] in ("succeeded", "failed"):
                break
        ended = time.perf_counter() - started
        lines = (job.get("result") or {}).get("lines")
        truthful = job["state"] == "succeeded" and lines == count
        tally.lost += 0 if truthful else 1
        tally.note = (
            f"{count:,}-square dry run: 202 in {answered:.2f} s, job {job['state']} in {ended:.1f} s"
            f" with {lines:,} lines (the gateway's deadline is 15 s)"
        )
    return tally


async def money_races(stack: Stack) -> Tally:
    """Twenty financers' writes of one line with one ETag, then payments racing re-plans of their line."""
    from tests.grants.playbook import API, draft, move, notified, open_year, send
    from tests.grants.playbook import budget as default_budget

    tally = Tally()
    admin = stack.headers([Role.PLATFORM_ADMIN])
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:
        contract = "CV-FAULTS-" + uuid.uuid4().hex[:8].upper()
        registered = await client.post(
            "/api/territories/contracts",
            headers=admin,
            json={"code": contract, "nom": "Faults", "codeEpci": "200033579", "startYear": 2024, "endYear": 2030,
                  "qpvCodes": ["QN06258M", "QN06261M"]},
        )  # fmt: skip
        if registered.status_code != 201:
            raise SystemExit(f"the contract was not registered: {registered.text}")
        year = await open_year(cast(Any, stack), client, contract)
        application = await draft(client, year)
        url = f"{API}/applications/{application['id']}"
        await send(client, "PUT", f"{url}/budget", year.operator, default_budget(year))
        await move(client, application["id"], year.operator, "submit")
        for transition in ("declare_receivable", "instruct"):
            await move(client, application["id"], year.state, transition)
        etag = (await client.get(url, headers=year.state)).headers["etag"]
        line = f"{url}/financing-lines/{year.institutions['etat-p147']}"
        decided = await asyncio.gather(
            *(
                client.patch(line, json={"decided": f"{5000 + index}"}, headers={**year.state, "If-Match": etag})
                for index in range(20)
            )
        )
        tally.statuses.update(answer.status_code for answer in decided)
        wins = sum(1 for answer in decided if answer.status_code == 200)
        paid = (await notified(client, year))["id"]
        await client.put(
            f"{API}/calls/{year.call_id}/envelopes/{year.institutions['etat-p147']}",
            json={"amount": "500000"},
            headers=year.pilot,
        )
        tranches = f"{API}/applications/{paid}/financing-lines/{year.institutions['etat-p147']}/tranches"
        for _ in range(10):
            current = await client.get(tranches, headers=year.state)
            planned = await client.put(
                tranches,
                json={"tranches": [{"kind": "advance", "weight": 1}]},
                headers={**year.state, "If-Match": current.headers["etag"]},
            )
            tally.statuses[planned.status_code] += 1
            if planned.status_code != 200:
                break
            payment, replan = await asyncio.gather(
                client.post(
                    f"{API}/tranches/{planned.json()[0]['id']}/payment",
                    json={"paidOn": "2025-03-15", "amount": "100", "overrideReason": "faults bench"},
                    headers=year.state,
                ),
                client.put(
                    tranches,
                    json={"tranches": [{"kind": "advance", "weight": 1}, {"kind": "balance", "weight": 1}]},
                    headers={**year.state, "If-Match": planned.headers["etag"]},
                ),
            )
            tally.statuses.update((payment.status_code, replan.status_code))
            if payment.status_code == 200:
                break
        tally.duplicated += max(0, wins - 1)
        tally.note = f"20 decisions of one line with one ETag: {wins} applied; payments raced re-plans of their line"
    return tally


SCENARIOS: list[tuple[str, Callable[[Stack], Awaitable[Tally]]]] = [
    ("PostgreSQL restarted under a load of reads and keyed writes", postgresql_restart),
    ("participation killed (SIGKILL) in a burst of keyed POSTs, restarted by the supervisor", service_killed),
    ("participation stopped (SIGSTOP) under 240 calls; territories meanwhile", service_stopped),
    ("a row locked by another transaction; 30 writers of it, 1 of another", locked_row),
    ("a 400,000-square Filosofi dry run through the gateway", long_import),
    ("money: one line decided 20 times at once; payments racing re-plans", money_races),
]


async def _run(stack: Stack) -> None:
    print("| scenario | requests | statuses | 500 | lost | duplicated | notes |")
    print("|---|---|---|---|---|---|---|")
    for name, scenario in SCENARIOS:
        tally = await scenario(stack)
        print(tally.line(name), flush=True)


def main() -> None:
    with fresh_stack() as stack:
        asyncio.run(_run(stack))


if __name__ == "__main__":
    main()
