"""Grants performance on a national-scale programmation.

    .venv/bin/python -m bench.grants [--applications 20000] [--years 7] [--seconds 8]   (from the repository root)

Loads, into the CUA's contract, `--applications` applications a year over `--years` calls (5 financers
and 40 CERFA budget lines each; most of them renewals of the year before), plus a Quartiers d'été call
of 2 000 proposed applications; then measures through the gateway: paginated, filtered lists at
concurrency 32 (wrk), the programmation totals of one year, and the live rule check of a scenario
over the 2 000-application call. Uses its own embedded stack; stops everything after.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx

from bench.local_stack import BenchStack, measure_lists, print_row, running_stack
from identity.principal import Role
from services.grants.demo.domain import fictitious_siret

CONTRACT = "CV-200033579-2024"
QPVS = ["QN06258M", "QN06259M", "QN06260M", "QN06261M", "QN06262M", "QN06263M"]
FINANCERS = ["etat-p147", "cua", "arras", "caf-62", "departement-62"]
NAMESPACE = uuid.UUID("5b0c1a3e-9d7f-4c1b-8a2e-0f3d6c7b9e11")


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts))


class Dataset:
    """Rows for COPY, generated deterministically."""

    def __init__(self, institutions: dict[str, uuid.UUID], objectives: list[uuid.UUID], per_year: int) -> None:
        self.institutions = institutions
        self.objectives = objectives
        self.per_year = per_year
        self.random = random.Random(20261122)
        self.operator_count = max(per_year // 10, 10)

    def operators(self) -> list[tuple[Any, ...]]:
        profiles = ["association", "small_association", "commune", "landlord", "social_economy"]
        return [
            (
                _id("operator", number),
                CONTRACT,
                f"Opérateur {number}",
                fictitious_siret(number + 1000),
                fictitious_siret(number + 1000)[:9],
                "association" if number % 5 < 3 else None,
                profiles[number % len(profiles)],
                1,
            )
            for number in range(self.operator_count)
        ]

    def year(
        self, call_id: uuid.UUID, year: int, *, final: bool, scheme_key: str, count: int
    ) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        """Actions, applications, financing lines and budget lines of one call."""
        actions: list[tuple[Any, ...]] = []
        applications: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        budget: list[tuple[Any, ...]] = []
        for number in range(count):
            renewal = year > 2024 and scheme_key == "p147" and number % 10 >= 3
            action_id = _id("action", scheme_key, number, 2024 if renewal else year)  # renewals chain from 2024
            if not renewal:
                actions.append((action_id, CONTRACT, _id("operator", number % self.operator_count), f"Action {number}"))
            application_id = _id("application", scheme_key, number, year)
            hors_qpv = number % 20 == 0
            state = "notified" if final else ("proposed" if number % 3 else "under_instruction")
            requested = [self.random.randrange(1_000, 40_000) * 100 for _ in FINANCERS]
            decided = [amount if number % 7 else amount // 2 for amount in requested] if final else [None] * 5
            proposed = requested if not final else decided
            # DA + 8 digits: the year's last two, the scheme, the number on five.
            dauphin = f"DA{year % 100:02d}{1 if scheme_key == 'p147' else 2}{number:05d}-1"
            applications.append(
                (
                    application_id,
                    action_id,
                    call_id,
                    CONTRACT,
                    _id("operator", number % self.operator_count),
                    year,
                    f"Action {number} — {year}",
                    self.objectives[number % len(self.objectives)],
                    [],
                    [] if hors_qpv else [QPVS[number % len(QPVS)]],
                    [],
                    hors_qpv,
                    ["ZV-1"] if hors_qpv else [],  # the cap counts actions serving a zone and no QPV
                    '{"total": 100, "women": 55, "men": 45}',
                    _id("application", scheme_key, number, year - 1) if renewal else None,
                    False,
                    state,
                    "granted" if final else None,
                    1,
                    # The lines' sums, as the database keeps them: the lines' COPY then changes no application.
                    sum(requested),
                    sum(proposed),
                    sum(amount or 0 for amount in decided),
                    dauphin,
                    dauphin,
                )
            )
            for position, (code, asked) in enumerate(zip(FINANCERS, requested, strict=True)):
                lines.append(
                    (
                        application_id,
                        self.institutions[code],
                        CONTRACT,
                        year,
                        asked,
                        proposed[position],
                        decided[position],
                        "granted" if final else None,
                    )
                )
            total = sum(requested)
            charges = [total // 20] * 19 + [total - 19 * (total // 20)]
            for position, amount in enumerate(charges):
                budget.append(
                    (application_id, position, ["60", "61", "62", "64"][position % 4], "Charge", amount, None)
                )
            for position, (code, asked) in enumerate(zip(FINANCERS, requested, strict=True)):
                budget.append((application_id, 20 + position, "74", code, asked, self.institutions[code]))
            for position in range(25, 40):
                budget.append((application_id, position, "86" if position % 2 else "87", "Bénévolat", 0, None))
        yield "actions", actions
        yield "applications", applications
        yield "financing_lines", lines
        yield "budget_lines", budget


COLUMNS = {
    "operators": ["operator_id", "contract_code", "nom", "siret", "siren", "legal_form", "profile", "version"],
    "actions": ["action_id", "contract_code", "operator_id", "title"],
    "applications": [
        "application_id",
        "action_id",
        "call_id",
        "contract_code",
        "operator_id",
        "year",
        "title",
        "primary_objective_id",
        "other_objective_ids",
        "qpv_codes",
        "codes_communes",
        "hors_qpv",
        "served_vulnerability_zones",
        "beneficiaries",
        "previous_application_id",
        "multi_year",
        "state",
        "outcome",
        "version",
        "lines_requested_cents",
        "lines_proposed_cents",
        "lines_decided_cents",
        "dauphin_number",
        "dauphin_normalised",
    ],
    "financing_lines": [
        "application_id",
        "institution_id",
        "contract_code",
        "year",
        "requested_cents",
        "proposed_cents",
        "decided_cents",
        "decision",
    ],
    "budget_lines": ["application_id", "position", "account", "label", "amount_cents", "institution_id"],
}


async def _copy(connection: asyncpg.Connection, table: str, rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), 200_000):
        await connection.copy_records_to_table(
            table, records=rows[start : start + 200_000], columns=COLUMNS[table], schema_name="grants"
        )


async def load(stack: BenchStack, per_year: int, years: int) -> tuple[list[uuid.UUID], uuid.UUID]:
    """The calls through the API, the rest by COPY; the calls' ids (P147 years, then Quartiers d'été)."""
    pilot = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [CONTRACT], 'cua')}"}
    gateway = stack.url("gateway") + "/api/grants"
    async with httpx.AsyncClient(timeout=60, headers=pilot) as client:
        calls = []
        for offset, scheme in [(year, "p147") for year in range(years)] + [(1, "quartiers_ete")]:
            year = 2024 + offset
            response = await client.post(
                f"{gateway}/calls",
                json={
                    "contractCode": CONTRACT,
                    "year": year,
                    "scheme": scheme,
                    "title": f"Appel {scheme} {year}",
                    "opensOn": f"{year - 1}-10-01",
                    "closesOn": f"{year - 1}-11-30",
                },
            )
            if response.status_code == 409:  # the reference data already opened it (its Quartiers d'été calls)
                listed = await client.get(f"{gateway}/calls", params={"contractCode": CONTRACT, "year": year})
                calls.append(next(uuid.UUID(c["id"]) for c in listed.json()["items"] if c["scheme"] == scheme))
                continue
            if response.status_code != 201:
                raise SystemExit(f"call refused: {response.text}")
            calls.append(uuid.UUID(response.json()["id"]))
        listed = await client.get(f"{gateway}/institutions", params={"contractCode": CONTRACT, "limit": 100})
        institutions = {item["code"]: uuid.UUID(item["id"]) for item in listed.json()["items"]}
        tree = (await client.get(f"{gateway}/frameworks/{CONTRACT}")).json()["ambitions"]
    objectives = [uuid.UUID(oo["id"]) for ambition in tree for os_ in ambition["children"] for oo in os_["children"]]
    dataset = Dataset(institutions, objectives, per_year)
    # As the schema's owner: VACUUM skips, with a warning only, the tables of any other role.
    connection = await asyncpg.connect(stack.owner_dsn("grants"))
    try:
        await _copy(connection, "operators", dataset.operators())
        for offset in range(years):
            for table, rows in dataset.year(
                calls[offset], 2024 + offset, final=offset < years - 1, scheme_key="p147", count=per_year
            ):
                await _copy(connection, table, rows)
        for table, rows in dataset.year(calls[-1], 2025, final=False, scheme_key="qe", count=2000):
            await _copy(connection, table, rows)
        # What autovacuum does to a table at rest: statistics and the visibility map (index-only scans).
        for table in ("operators", "actions", "applications", "financing_lines", "budget_lines"):
            await connection.execute(f"VACUUM ANALYZE grants.{table}")
    finally:
        await connection.close()
    return calls[:-1], calls[-1]


def _timed(client: httpx.Client, url: str, params: dict[str, Any], times: int = 10) -> list[float]:
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.get(url, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
    return timings


def measure(stack: BenchStack, calls: list[uuid.UUID], summer_call: uuid.UUID, seconds: int) -> None:
    token = stack.token(Role.CONTRACT_PILOT, [CONTRACT], "cua")
    headers = {"Authorization": f"Bearer {token}"}
    gateway = stack.url("gateway") + "/api/grants"
    middle = len(calls) // 2
    year = 2024 + middle
    lists = {
        "programmation list, one year, 50 per page": (
            f"{gateway}/programmation?contractCode={CONTRACT}&year={year}&limit=50"
        ),
        "programmation list filtered (year, QPV, state)": (
            f"{gateway}/programmation?contractCode={CONTRACT}&year={year}&qpv=QN06259M&state=notified&limit=50"
        ),
        "applications of one call, 50 per page, page 10": (
            f"{gateway}/applications?contractCode={CONTRACT}&callId={calls[middle]}&limit=50&offset=450"
        ),
    }
    measure_lists(lists, headers, seconds)
    # Computed afresh every time: a remembered answer would time the memory, not the query.
    with httpx.Client(headers={**headers, "Cache-Control": "no-cache"}, timeout=60) as client:
        totals = _timed(client, f"{gateway}/programmation/totals", {"contractCode": CONTRACT, "year": year})
        print_row(
            f"programmation totals of {year} (median of 10)",
            f"{statistics.median(totals):.1f} ms",
            f"(target < 100 ms; max {max(totals):.1f} ms)",
        )
        created = client.post(f"{gateway}/scenarios", json={"callId": str(summer_call), "name": "Bench"})
        if created.status_code != 201:
            raise SystemExit(created.text)
        scenario = created.json()
        checks = _timed(client, f"{gateway}/scenarios/{scenario['id']}/check", {})
        print_row(
            f"scenario rule check, {len(scenario['amounts']) // len(FINANCERS):,}-application call (median of 10)",
            f"{statistics.median(checks):.1f} ms",
            f"(target < 200 ms; max {max(checks):.1f} ms)",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=20_000, help="applications per year")
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=8)
    arguments = parser.parse_args()
    print(f"{'measure':<62}{'result':>18}   target", flush=True)
    with running_stack(("territories", "grants", "gateway")) as stack:
        started = time.perf_counter()
        calls, summer_call = asyncio.run(load(stack, arguments.applications, arguments.years))
        total = arguments.applications * arguments.years + 2000
        print_row(
            f"loaded {total:,} applications, {total * 5:,} financing and {total * 40:,} budget lines",
            f"{time.perf_counter() - started:.1f} s",
            "(COPY)",
        )
        measure(stack, calls, summer_call, arguments.seconds)


if __name__ == "__main__":
    main()
