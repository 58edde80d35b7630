"""The last day of a call: a mixed load through the gateway on the national data sets.

    .venv/bin/python -m bench.call_deadline [--seconds 60] [--concurrency 32,64] [--workers 1]
        [--applications 20000] [--years 7] [--contracts 100] [--seed 20261206] [--no-keys]
        (from the repository root)

Loads the national programmation of bench/grants.py and the national participation of
bench/participation_national.py, opens a call whose deadline is at hand, then runs `--concurrency`
virtual users for `--seconds` each, every user drawing its next request from a fixed seed, about 10 %
writes: operators creating applications, setting their budgets and submitting them; financers
instructing, the pilot proposing and each financer deciding its own line; pilots listing the
programmation and its totals; partners reading the applications of a call, the event feed and the
participation's lists; the public reading open data and looking up QPVs. Prints per class req/s, p50,
p95, p99, errors (by status) and the remembered-answer hit ratio (the apps' `Cache-Status`: `cdq; hit`).
`--workers N`: processes per app (the stack's *_WORKERS settings), to compare 1 with 2. Each POST carries
an Idempotency-Key, as docs/integrators.md asks of every client (`--no-keys`: none, to compare).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import httpx

from bench import grants, participation_national
from bench.local_stack import (
    BenchStack,
    cpu_shares,
    print_machine_speed,
    print_row,
    print_statements,
    reset_statements,
    running_stack,
)
from cli.stack import workers_of
from identity.principal import Role
from services.grants.demo.domain import fictitious_siret

CONTRACT = grants.CONTRACT
ARRAS = (50.2910, 2.7775)
# Reads and writes with their weights (per pick; an operator's pick is three requests): 10 % of requests write.
MIX = {
    "pilot: programmation list": 18,
    "pilot: programmation totals": 7,
    "partner: applications of a call": 14,
    "partner: event feed": 9,
    "partner: participation lists": 14,
    "public: open data totals": 10,
    "public: QPV lookups": 18,
    "operator: create, budget, submit": 2,  # three requests each
    "financer: instruct, decide": 4,
}
WRITES = ("operator: create, budget, submit", "financer: instruct, decide")


@dataclass
class Tally:
    timings: list[float] = field(default_factory=list)
    errors: Counter[int] = field(default_factory=Counter)
    hits: int = 0
    remembered: int = 0  # answers of a remembered route (a Cache-Status header)
    example: str = ""  # the first error's answer


@dataclass
class Filed:
    """An application on its way: its ETag and the steps left to it."""

    application_id: str
    etag: str
    steps: deque[str]
    requested: dict[str, int]  # each financer's request, in euros: its decision grants at most that


class World:
    """Who acts, on what, and the applications that wait for their financers."""

    def __init__(self, stack: BenchStack, setup: dict[str, Any]) -> None:
        self.stack = stack
        self.setup = setup
        self.gateway = stack.url("gateway")
        self.pilot = self._headers(Role.CONTRACT_PILOT, [CONTRACT], "cua")
        self.state = self._headers(Role.STATE, [CONTRACT], "etat-p147")
        self.cua = self._headers(Role.CONTRACT_PILOT, [CONTRACT], "cua")
        self.partner = self._headers(Role.CO_FINANCER, [CONTRACT], "caf-62")
        codes = [participation_national.contract(n) for n in range(setup["contracts"])]
        self.participation = {code: self._headers(Role.CONTRACT_PILOT, [code]) for code in codes}
        self.waiting: deque[Filed] = deque()
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.keyed = True  # whether each POST carries an Idempotency-Key (`--no-keys`)
        self._operators: dict[str, dict[str, str]] = {}

    def _headers(
        self, role: Role, contracts: list[str], institution: str | None = None, **extra: Any
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token(role, contracts, institution, **extra)}"}

    def operator(self, user: int) -> tuple[str, dict[str, str]]:
        """The user's operator: a new one (the data sets' operators owe the financial reports of their past
        years, which refuses their new submissions), with its token, signed once as a client keeps its own."""
        operator_id: str = self.setup["operators"][user % len(self.setup["operators"])]
        if operator_id not in self._operators:
            self._operators[operator_id] = self._headers(Role.OPERATOR, [CONTRACT], organisations=[operator_id])
        return operator_id, self._operators[operator_id]


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def _call(
    world: World, client: aiohttp.ClientSession, kind: str, method: str, url: str, **options: Any
) -> Answer:
    """One request of a virtual user (aiohttp: the load generator's CPU is taken from the two cores the
    system under test shares; httpx costs several times more per request)."""
    if world.keyed and method == "POST":  # as docs/integrators.md asks of every POST
        options["headers"] = {**options.get("headers", {}), "Idempotency-Key": str(uuid.uuid4())}
    started = time.perf_counter()
    async with client.request(method, world.gateway + url, **options) as sent:
        response = Answer(sent.status, sent.headers, await sent.read())
    tally = world.tallies[kind]
    tally.timings.append((time.perf_counter() - started) * 1000)
    if response.status_code >= 400:
        tally.errors[response.status_code] += 1
        tally.example = tally.example or f"{method} {url}: {response.status_code} {response.body[:300]!r}"
    status = response.headers.get("cache-status")
    if status is not None:
        tally.remembered += 1
        tally.hits += status.endswith("hit")
    return response


def _budget(world: World, p147: int, cua: int) -> dict[str, Any]:
    institutions = world.setup["institutions"]
    return {
        "lines": [
            {"account": "60", "label": "Achats", "amount": "3000"},
            {"account": "64", "label": "Salaires", "amount": str(p147 + cua + 2000)},
            {"account": "74", "label": "État P147", "amount": str(p147), "institutionId": institutions["etat-p147"]},
            {"account": "74", "label": "CUA", "amount": str(cua), "institutionId": institutions["cua"]},
            {"account": "75", "label": "Cotisations", "amount": "5000"},
            {"account": "86", "label": "Bénévolat", "amount": "2000"},
            {"account": "87", "label": "Contributions", "amount": "2000"},
        ]
    }


async def operator_files(world: World, client: aiohttp.ClientSession, user: int, rng: random.Random) -> None:
    """An operator's application: created, its budget set, submitted (three writes)."""
    kind = "operator: create, budget, submit"
    operator_id, headers = world.operator(user)
    year = world.setup["year"]
    body = {
        "callId": world.setup["call_id"],
        "operatorId": operator_id,
        "title": f"Action de dernière minute {rng.randrange(10**9)}",
        "primaryObjectiveId": world.setup["objective_id"],
        "qpvCodes": [rng.choice(grants.QPVS)],
        "beneficiaries": {"total": 120, "women": 70, "men": 50},
        "startsOn": f"{year}-01-01",
        "endsOn": f"{year}-12-31",
    }
    created = await _call(world, client, kind, "POST", "/api/grants/applications", json=body, headers=headers)
    if created.status_code != 201:
        return
    application = created.json()["id"]
    url = f"/api/grants/applications/{application}"
    etag = created.headers["etag"]
    requested = {"etat-p147": rng.randrange(2_000, 20_000), "cua": rng.randrange(1_000, 10_000)}
    for method, path, sent in (
        ("PUT", "/budget", _budget(world, *requested.values())),
        ("POST", "/transitions", {"transition": "submit"}),
    ):
        answer = await _call(world, client, kind, method, url + path, json=sent, headers={**headers, "If-Match": etag})
        if answer.status_code != 200:
            return
        etag = answer.headers["etag"]
    steps = deque(["declare_receivable", "instruct", "propose", "etat-p147", "cua"])
    world.waiting.append(Filed(application, etag, steps, requested))


async def financer_acts(world: World, client: aiohttp.ClientSession, user: int, rng: random.Random) -> None:
    """The next step of a submitted application: the State instructs, the pilot proposes, each financer
    decides its own line (one write)."""
    kind = "financer: instruct, decide"
    if not world.waiting:
        await operator_files(world, client, user, rng)
        return
    filed = world.waiting.popleft()
    step = filed.steps.popleft()
    url = f"/api/grants/applications/{filed.application_id}"
    if step in ("declare_receivable", "instruct", "propose"):
        headers = world.pilot if step == "propose" else world.state
        sent: dict[str, Any] = {"transition": step}
        path = url + "/transitions"
    else:
        headers = world.state if step == "etat-p147" else world.cua
        sent = {
            "decision": "granted",
            "amount": str(rng.randrange(1_000, filed.requested[step] + 1)),
            "actKind": "arrete" if step == "etat-p147" else "deliberation",
            "actNumber": f"{world.setup['year']}-{step}-{rng.randrange(10**6)}",
            "decidedOn": world.setup["today"],
        }
        path = f"{url}/financing-lines/{world.setup['institutions'][step]}/decision"
    answer = await _call(world, client, kind, "POST", path, json=sent, headers={**headers, "If-Match": filed.etag})
    if answer.status_code == 200 and filed.steps:
        world.waiting.append(Filed(filed.application_id, answer.headers["etag"], filed.steps, filed.requested))


def _reader(kind: str, request: Callable[[World, random.Random], tuple[str, dict[str, Any], dict[str, str]]]) -> Any:
    async def read(world: World, client: aiohttp.ClientSession, _user: int, rng: random.Random) -> None:
        url, params, headers = request(world, rng)
        await _call(world, client, kind, "GET", url, params=params, headers=headers)

    return read


def _programmation(world: World, rng: random.Random) -> tuple[str, dict[str, Any], dict[str, str]]:
    params: dict[str, Any] = {"contractCode": CONTRACT, "year": rng.choice(world.setup["years"]), "limit": 50}
    params["offset"] = 50 * rng.randrange(10)
    if rng.random() < 0.3:
        params["qpv"] = rng.choice(grants.QPVS)
    return "/api/grants/programmation", params, world.pilot


def _participation(world: World, rng: random.Random) -> tuple[str, dict[str, Any], dict[str, str]]:
    code = participation_national.contract(rng.randrange(world.setup["contracts"]))
    body = participation_national._id("body", code, rng.randrange(participation_national.BODIES_PER_CONTRACT))
    path = rng.choice(["/bodies", f"/bodies/{body}/meetings", f"/bodies/{body}/opinions"])
    params = {"contractCode": code, "limit": 50} if path == "/bodies" else {"limit": 50}
    return "/api/participation" + path, params, world.participation[code]


def _qpv(_world: World, rng: random.Random) -> tuple[str, dict[str, Any], dict[str, str]]:
    if rng.random() < 0.5:
        return f"/api/territories/qpvs/{rng.choice(grants.QPVS)}", {}, {}
    lat, lon = ARRAS[0] + rng.uniform(-0.03, 0.03), ARRAS[1] + rng.uniform(-0.03, 0.03)
    return "/api/territories/localisation", {"lat": round(lat, 5), "lon": round(lon, 5)}, {}


ACTIONS: dict[str, Callable[[World, aiohttp.ClientSession, int, random.Random], Awaitable[None]]] = {
    "pilot: programmation list": _reader("pilot: programmation list", _programmation),
    "pilot: programmation totals": _reader(
        "pilot: programmation totals",
        lambda w, r: (
            "/api/grants/programmation/totals",
            {"contractCode": CONTRACT, "year": r.choice(w.setup["years"])},
            w.pilot,
        ),
    ),
    "partner: applications of a call": _reader(
        "partner: applications of a call",
        lambda w, r: (
            "/api/grants/applications",
            {
                "contractCode": CONTRACT,
                "callId": r.choice(w.setup["calls"]),
                "limit": 50,
                "offset": 50 * r.randrange(9),
            },
            w.partner,
        ),
    ),
    "partner: event feed": _reader(
        "partner: event feed", lambda w, _r: ("/api/events", {"contractCode": CONTRACT, "limit": 50}, w.partner)
    ),
    "partner: participation lists": _reader("partner: participation lists", _participation),
    "public: open data totals": _reader(
        "public: open data totals",
        lambda w, r: (
            "/api/grants/open-data/programmation-totals",
            {"contractCode": CONTRACT, "year": r.choice(w.setup["years"][:-1] or w.setup["years"])},
            {},
        ),
    ),
    "public: QPV lookups": _reader("public: QPV lookups", _qpv),
    "operator: create, budget, submit": operator_files,
    "financer: instruct, decide": financer_acts,
}


def user_client() -> aiohttp.ClientSession:
    """A virtual user's client: one connection of its own, 30 s at most per request."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), timeout=aiohttp.ClientTimeout(total=30))


async def _user(world: World, user: int, seed: int, until: float) -> None:
    rng = random.Random(seed * 1000 + user)
    kinds, weights = list(MIX), list(MIX.values())
    async with user_client() as client:
        while time.perf_counter() < until:
            kind = rng.choices(kinds, weights)[0]
            try:
                await ACTIONS[kind](world, client, user, rng)
            except (aiohttp.ClientError, TimeoutError):
                world.tallies[kind].errors[0] += 1


async def _run(world: World, users: int, seconds: int, seed: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(_user(world, user, seed, started + seconds) for user in range(users)))
    return time.perf_counter() - started


async def prepare(stack: BenchStack, arguments: argparse.Namespace) -> dict[str, Any]:
    calls, _ = await grants.load(stack, arguments.applications, arguments.years)
    await participation_national.load(stack, arguments.contracts)
    pilot = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [CONTRACT], 'cua')}"}
    api = stack.url("gateway") + "/api/grants"
    today = datetime.now(UTC).date()
    async with httpx.AsyncClient(timeout=60, headers=pilot) as client:
        call = await client.post(
            f"{api}/calls",
            json={
                "contractCode": CONTRACT,
                "year": today.year + 1,
                "scheme": "solidarite_communautaire",
                "title": "Appel de la solidarité communautaire : dernier jour",
                "opensOn": (today - timedelta(days=60)).isoformat(),
                # Its last day is today, or tomorrow for a run that crosses midnight (UTC): a call closed
                # meanwhile would refuse every submission as late.
                "closesOn": (today + timedelta(days=1)).isoformat(),
            },
        )
        if call.status_code != 201:
            raise SystemExit(f"call refused: {call.text}")
        operators = []
        for number in range(max(int(value) for value in arguments.concurrency.split(","))):
            siret = fictitious_siret(900_000 + number)
            body = {"contractCode": CONTRACT, "nom": f"Nouvel opérateur {number}", "siret": siret}
            created = await client.post(f"{api}/operators", json={**body, "profile": "association"})
            if created.status_code != 201:
                raise SystemExit(f"operator refused: {created.text}")
            operators.append(created.json()["id"])
        listed = await client.get(f"{api}/institutions", params={"contractCode": CONTRACT, "limit": 100})
        tree = (await client.get(f"{api}/frameworks/{CONTRACT}")).json()["ambitions"]
    return {
        "applications": arguments.applications,
        "contracts": arguments.contracts,
        "calls": [str(call_id) for call_id in calls],
        "years": [2024 + offset for offset in range(arguments.years)],
        "year": today.year + 1,
        "today": today.isoformat(),
        "call_id": call.json()["id"],
        "operators": operators,
        "institutions": {item["code"]: item["id"] for item in listed.json()["items"]},
        "objective_id": tree[0]["children"][0]["children"][0]["id"],
    }


def report(world: World, users: int, elapsed: float, workers: int) -> None:
    print(f"\nc={users}, {elapsed:.0f} s, {workers} worker(s) per app, load average {os.getloadavg()[0]:.1f}")
    print(f"{'class':<36}{'req/s':>8}{'p50':>9}{'p95':>9}{'p99':>9}  {'hits':>6}  errors")
    every: list[float] = []
    for kind in MIX:
        tally = world.tallies.get(kind)
        if tally is None or not tally.timings:
            continue
        every += tally.timings
        timings = sorted(tally.timings)
        hits = f"{tally.hits / tally.remembered:.0%}" if tally.remembered else "-"
        errors = ", ".join(f"{status or 'net'}×{n}" for status, n in sorted(tally.errors.items())) or "0"
        print(
            f"{kind:<36}{len(timings) / elapsed:>8.1f}{at_share(timings, 0.5):>9.1f}{at_share(timings, 0.95):>9.1f}"
            f"{at_share(timings, 0.99):>9.1f}  {hits:>6}  {errors}"
        )
    for kind, tally in world.tallies.items():
        if tally.example:
            print(f"  first error of {kind}: {tally.example}")
    writes = sum(len(world.tallies[kind].timings) for kind in WRITES if kind in world.tallies)
    print(f"{'all':<36}{len(every) / elapsed:>8.1f}   (writes {writes / max(len(every), 1):.0%} of requests)")


def at_share(timings: list[float], share: float) -> float:
    """The timing at `share` of the sorted `timings` (0.99: the p99)."""
    return timings[min(len(timings) - 1, int(share * len(timings)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--concurrency", default="32,64", help="virtual users, comma-separated runs")
    parser.add_argument("--workers", type=int, default=None, help="processes per app (default: *_WORKERS, else 1)")
    parser.add_argument("--applications", type=int, default=20_000, help="applications per year (bench/grants.py)")
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--contracts", type=int, default=100, help="participation contracts (50 bodies each)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument(
        "--statements", type=int, default=0, help="print the N statements that took most of PostgreSQL's time"
    )
    parser.add_argument("--no-keys", action="store_true", help="POSTs without an Idempotency-Key")
    arguments = parser.parse_args()
    apps = ("territories", "grants", "participation", "gateway")
    with running_stack(apps, workers=arguments.workers, statements=arguments.statements > 0) as stack:
        print_machine_speed(stack)
        print_row("each POST with an Idempotency-Key", "no" if arguments.no_keys else "yes", "")
        started = time.perf_counter()
        setup = asyncio.run(prepare(stack, arguments))
        print_row("loaded the national data sets", f"{time.perf_counter() - started:.1f} s", "(COPY)")
        workers = workers_of("grants", os.environ, arguments.workers)
        for users in (int(value) for value in arguments.concurrency.split(",")):
            world = World(stack, setup)
            world.keyed = not arguments.no_keys
            if arguments.statements:
                asyncio.run(reset_statements(stack))
            with cpu_shares(stack) as cores:
                elapsed = asyncio.run(_run(world, users, arguments.seconds, arguments.seed))
            report(world, users, elapsed, workers)
            used = ", ".join(f"{part} {share:.2f}" for part, share in sorted(cores.items(), key=lambda item: -item[1]))
            print(f"cores used ({os.cpu_count()} on this machine): {used}; total {sum(cores.values()):.2f}")
            if arguments.statements:
                asyncio.run(print_statements(stack, arguments.statements))


if __name__ == "__main__":
    main()
