"""A throw-away stack for benchmarks: embedded PostgreSQL, migrations, reference data, chosen apps as
uvicorn processes (uvloop, httptools, one worker, no access log) on loopback ports."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from cli.data_imports import import_grants_reference_data, import_reference
from cli.embedded_postgres import EmbeddedPostgres, free_port
from cli.provisioning import APPS, DATABASE, migrate, provision_sync
from cli.stack import AUDIENCE, ISSUER, StackSecrets, app_environments, database_url, uvicorn_command, workers_of
from identity.principal import Role, scopes_for_roles
from kit.auth.tokens import TokenGrant, TokenIssuer

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BenchStack:
    ports: dict[str, int]
    environments: dict[str, dict[str, str]]
    secrets: StackSecrets
    db_port: int
    pids: dict[str, int]  # each app's uvicorn process and PostgreSQL's postmaster ("postgres")

    def url(self, app: str) -> str:
        return f"http://127.0.0.1:{self.ports[app]}"

    def superuser_dsn(self) -> str:
        """asyncpg DSN of the cluster's superuser: extensions and their statistics."""
        return _asyncpg_dsn(database_url("127.0.0.1", self.db_port, "postgres", self.secrets.superuser_password))

    def owner_dsn(self, app: str) -> str:
        """asyncpg DSN of the role owning the app's schema: bulk loads followed by VACUUM need the owner."""
        return _asyncpg_dsn(self.secrets.owner_url(app, "127.0.0.1", self.db_port))

    def token(
        self,
        role: Role,
        contracts: Sequence[str] = (),
        institution: str | None = None,
        organisations: Sequence[str] = (),
    ) -> str:
        issuer = TokenIssuer(self.secrets.signing_key_pem, ISSUER, AUDIENCE, 3600)
        grant = TokenGrant(
            subject="bench",
            kind="user",
            institution=institution,
            roles=[role.value],
            scopes=sorted(scopes_for_roles([role])),
            contracts=list(contracts),
            organisations=list(organisations),
        )
        return issuer.mint(grant)


def _asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL of the stack as asyncpg itself takes it."""
    return url.replace("postgresql+asyncpg", "postgresql")


@asynccontextmanager
async def _connected(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(dsn)
    try:
        yield connection
    finally:
        await connection.close()


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


@contextmanager
def running_stack(
    apps: tuple[str, ...], environment: str = "production", workers: int | None = None, statements: bool = False
) -> Iterator[BenchStack]:
    """`environment`: the apps' (production by default; development lets webhooks reach a loopback receiver);
    `workers`: processes per app (default: each app's <APP>_WORKERS setting, else one); `statements`:
    PostgreSQL counts its statements (pg_stat_statements, `print_statements`)."""
    stack_secrets = StackSecrets.generate()
    parent = Path(tempfile.mkdtemp(prefix="cdq-bench-"))
    parent.chmod(0o711)
    counted = (("shared_preload_libraries", "pg_stat_statements"),) if statements else ()
    cluster = EmbeddedPostgres(
        root=parent / "pg", superuser_password=stack_secrets.superuser_password, settings=counted
    )
    cluster.start()
    children: list[subprocess.Popen[bytes]] = []
    try:
        provision_sync(
            cluster.url("postgres", stack_secrets.superuser_password, "postgres", driver="postgresql"),
            DATABASE,
            stack_secrets.role_passwords,
            stack_secrets.owner_passwords,
        )
        ports = {app: free_port() for app in APPS}
        environments = app_environments(stack_secrets, "127.0.0.1", cluster.port, ports, environment=environment)
        for app in APPS:
            migrate(app, stack_secrets.owner_url(app, "127.0.0.1", cluster.port))
        asyncio.run(import_reference(environments["territories"]["TERRITORIES_DATABASE_URL"]))
        asyncio.run(import_grants_reference_data(environments["grants"]["GRANTS_DATABASE_URL"]))
        for app in apps:
            processes = workers_of(app, os.environ, workers)
            command = [*uvicorn_command(app, ports[app], workers=processes), "--log-level", "warning"]
            quiet = {f"{name.upper()}_LOG_LEVEL": "WARNING" for name in APPS}
            quiet[f"{app.upper()}_WORKERS"] = str(processes)
            children.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={**os.environ, **environments[app], **quiet, "PYTHONPATH": str(ROOT)},
                    stdout=subprocess.DEVNULL,
                )
            )
            _wait(f"http://127.0.0.1:{ports[app]}/healthz")
        pids = {app: child.pid for app, child in zip(apps, children, strict=True)}
        pids["postgres"] = cluster.lock_file_pid() or 0
        yield BenchStack(ports, environments, stack_secrets, cluster.port, pids)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=10)
        cluster.stop()
        shutil.rmtree(parent, ignore_errors=True)


def wrk(url: str, connections: int, seconds: int, headers: dict[str, str] | None = None) -> tuple[float, float, float]:
    """req/s, p50 ms, p99 ms measured by wrk (one thread)."""
    options = [item for name, value in (headers or {}).items() for item in ("-H", f"{name}: {value}")]
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *options, url],
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


def _python_reference() -> float:
    """ms for a fixed piece of the work a request does in Python (JSON both ways, a hash, dict and string
    handling), best of five."""
    document = {"items": [{"id": str(index), "amount": f"{index}.50", "codes": ["QN06258M"]} for index in range(50)]}
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(200):
            text = json.dumps(document)
            hashlib.sha256(text.encode()).hexdigest()
            json.loads(text)
        best = min(best, time.perf_counter() - started)
    return best * 1000


async def _postgres_reference(dsn: str) -> float:
    """ms for a fixed query (JSON and numeric formatting of 20,000 generated rows), best of five."""
    best = float("inf")
    async with _connected(dsn) as connection:
        for _ in range(5):
            started = time.perf_counter()
            await connection.fetchval(
                "SELECT length(json_agg(json_build_object('id', n, 'euros', (n * 0.01)::text))::text)"
                " FROM generate_series(1, 20000) AS n"
            )
            best = min(best, time.perf_counter() - started)
    return best * 1000


def print_machine_speed(stack: BenchStack) -> None:
    """Two reference timings of this machine before a bench: figures of two days compare only when these
    are within a few percent (the same code has measured a quarter slower from one day to the next)."""
    print_row("this machine: Python reference (JSON, hash; quiet)", f"{_python_reference():.1f} ms", "")
    database = asyncio.run(_postgres_reference(stack.owner_dsn("territories")))
    print_row("this machine: PostgreSQL reference (JSON of 20,000 rows)", f"{database:.1f} ms", "")


def _cpu_seconds() -> tuple[dict[int, tuple[int, float]], float]:
    """Every process's (parent, CPU seconds used), and the machine's busy CPU seconds, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            used[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    times = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return used, (sum(times) - times[3] - times[4]) / tick  # all but idle and iowait


@contextmanager
def cpu_shares(stack: BenchStack) -> Iterator[dict[str, float]]:
    """On exit, fills the mapping with the cores each part of the system used meanwhile (an app with its
    workers, PostgreSQL, this load generator, and everything else), to show where a saturated machine's
    time went. Processes that ended meanwhile are not counted in their part but in "other"."""
    owners = {pid: part for part, pid in stack.pids.items()} | {os.getpid(): "load generator"}

    def part_of(pid: int, parents: Mapping[int, tuple[int, float]]) -> str | None:
        while pid > 1:
            if pid in owners:
                return owners[pid]
            pid = parents[pid][0] if pid in parents else 0
        return None

    before, busy_before = _cpu_seconds()
    started = time.monotonic()
    shares: dict[str, float] = {}
    yield shares
    after, busy_after = _cpu_seconds()
    elapsed = time.monotonic() - started
    for pid, (_, seconds) in after.items():
        part = part_of(pid, after)
        if part is not None:
            shares[part] = shares.get(part, 0.0) + (seconds - before.get(pid, (0, 0.0))[1]) / elapsed
    shares["other"] = max(0.0, (busy_after - busy_before) / elapsed - sum(shares.values()))


async def reset_statements(stack: BenchStack) -> None:
    """PostgreSQL's statement counts from now on (a stack started with `statements=True`)."""
    async with _connected(stack.superuser_dsn()) as connection:
        await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await connection.execute("SELECT pg_stat_statements_reset()")


async def print_statements(stack: BenchStack, top: int) -> None:
    """The statements that took most of PostgreSQL's executor time since `reset_statements`."""
    async with _connected(stack.superuser_dsn()) as connection:
        total = await connection.fetchval("SELECT sum(total_exec_time) FROM pg_stat_statements")
        rows = await connection.fetch(
            "SELECT total_exec_time, calls, mean_exec_time, userid::regrole::text AS role,"
            " left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS statement"
            " FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT $1",
            top,
        )
    print(f"PostgreSQL executor time: {(total or 0) / 1000:.1f} s; the {top} statements that took most:")
    for row in rows:
        print(
            f"{row['total_exec_time'] / 1000:7.2f} s {row['calls']:7d} x {row['mean_exec_time']:7.3f} ms"
            f"  {row['role'][:14]:<14} {row['statement']}"
        )


def print_row(label: str, value: str, target: str) -> None:
    print(f"{label:<62}{value:>18}   {target}", flush=True)


def measure_lists(lists: Mapping[str, str], headers: dict[str, str], seconds: int) -> None:
    """Each list at c=32 through the gateway twice: as served (a remembered answer, see
    kit/response_cache.py) and computed afresh on every request (`Cache-Control: no-cache`)."""
    if not shutil.which("wrk"):
        print_row("lists, c=32", "skipped", "(install wrk)")
        return
    for label, url in lists.items():
        for how, sent in (("", headers), (", computed", {**headers, "Cache-Control": "no-cache"})):
            wrk(url, 32, 2, sent)
            rate, p50, p99 = wrk(url, 32, seconds, sent)
            figures = f"(target < 50 ms; {rate:.0f} req/s, p50 {p50:.1f} ms)"
            print_row(f"{label}{how}, c=32", f"p99 {p99:.1f} ms", figures)


def job_outcome(client: httpx.Client, accepted: httpx.Response) -> httpx.Response:
    """A long operation's own answer: its job (202) followed until it ends, as users meet it."""
    if accepted.status_code != 202:
        return accepted
    location = accepted.request.url.join(accepted.headers["location"])
    caller = {"Authorization": accepted.request.headers["authorization"]}
    for _ in range(240):
        job = client.get(location, params={"wait": 5}, headers=caller).json()
        if job["state"] in ("succeeded", "failed"):
            body = job["result"] if job["state"] == "succeeded" else job["problem"]
            return httpx.Response(job["resultStatus"], json=body, request=accepted.request)
    raise SystemExit(f"the job at {location} did not end")


async def cpu_in_process(
    stack: BenchStack, app: str, paths: Mapping[str, str], headers: dict[str, str], requests: int, profile: bool = False
) -> None:
    """Each path served `requests` times in-process (8 at a time, the app on the stack's database, no HTTP
    server, no gateway): the CPU time per request (best of three rounds), which another process's load
    changes far less than a rate measured by wrk; with `profile`, where that time goes (pyinstrument)."""
    import importlib
    import logging

    from pyinstrument import Profiler

    os.environ.update({**stack.environments[app], f"{app.upper()}_LOG_LEVEL": "WARNING"})
    logging.getLogger("httpx").setLevel(logging.WARNING)
    served = importlib.import_module(f"services.{app}.app").create_app()

    async def serve(client: httpx.AsyncClient, path: str, times: int) -> None:
        for _ in range(times):
            (await client.get(path)).raise_for_status()

    async with served.router.lifespan_context(served):
        transport = httpx.ASGITransport(app=served)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{app}", headers=headers) as client:
            for label, path in paths.items():
                await serve(client, path, 30)
                rounds = []
                for _ in range(3):
                    started = time.process_time()
                    await asyncio.gather(*(serve(client, path, requests // 8) for _ in range(8)))
                    rounds.append((time.process_time() - started) * 1000 / (requests // 8 * 8))
                print_row(
                    f"{label}, in-process CPU", f"{min(rounds):.2f} ms/request", f"(load {os.getloadavg()[0]:.1f})"
                )
                if profile:
                    profiler = Profiler(async_mode="enabled", interval=0.0005)
                    with profiler:
                        await asyncio.gather(*(serve(client, path, requests // 8) for _ in range(8)))
                    print(profiler.output_text(unicode=True, color=False, show_all=False))
