"""Participation at national scale, through the gateway.

    .venv/bin/python -m bench.participation_national [--contracts 100] [--seconds 8] [--cpu 400 [--profile]]
    (from the repository root)

Loads by COPY 5,000 bodies (50 per contract), 100,000 people with a mandate each, 50,000 meetings with
40 attendance lines each (2 million rows) and 50,000 opinions, then measures through the gateway: the
evaluation indicators of one contract and year, lists at concurrency 32 (wrk), and a stratified draw of
40 seats from a 20,000-person pool sent to the API, with its public verification. Own embedded stack.
With `--cpu N`, serves N of each list in-process and prints its CPU time per request (and, with
`--profile`, where it goes).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import time
import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx

from bench.local_stack import BenchStack, cpu_in_process, measure_lists, print_machine_speed, print_row, running_stack
from identity.principal import Role

NAMESPACE = uuid.UUID("0c3a9f7e-51b2-4d8e-9a61-2f4e7b8c1d05")
BODIES_PER_CONTRACT = 50
GOVERNANCE = ["comite_de_pilotage", "comite_des_financeurs", "comite_strategique", "comite_technique"]
CITIZEN = ["conseil_citoyen", "commission_citoyenne", "conseil_de_quartier", "fabrique_citoyenne"]
PEOPLE_PER_CONTRACT = 1000
MEETINGS_PER_BODY = 10
ATTENDEES = 40
OPINIONS_PER_BODY = 11  # 46 citizen bodies per contract: 50,600 opinions
YEARS = (2022, 2023, 2024, 2025)
SEED = "tirage public: 3-14-15-92-65"

COLUMNS = {
    "bodies": ["body_id", "contract_code", "name", "kind", "participation_level", "qpv_codes", "status", "version"],
    "people": [
        "person_id", "contract_code", "gender", "age_band", "member_kind", "resident_in_qpv", "fictitious",
    ],
    "mandates": ["mandate_id", "body_id", "person_id", "role", "college", "starts_on", "ends_on"],
    "meetings": ["meeting_id", "body_id", "contract_code", "title", "meeting_day", "convened_on", "agenda"],
    "attendances": ["meeting_id", "person_id", "capacity", "presence", "institution"],
    "opinions": [
        "opinion_id", "body_id", "contract_code", "kind", "title", "text", "adopted_on",
        "addressed_to_body_id", "outcome", "reason", "responded_on", "version",
    ],
}  # fmt: skip


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "|".join(str(part) for part in parts))


def contract(number: int) -> str:
    return f"BENCH-C{number:03d}"


def dataset(contracts: int) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
    for number in range(contracts):
        code = contract(number)
        bodies = [_id("body", code, index) for index in range(BODIES_PER_CONTRACT)]
        for index, body_id in enumerate(bodies):
            kinds = GOVERNANCE if index < len(GOVERNANCE) else CITIZEN
            tables["bodies"].append(
                (
                    body_id,
                    code,
                    f"Instance {index:02d} {code}",
                    kinds[index % len(kinds)],
                    "concertation",
                    [],
                    "active",
                    1,
                )
            )
        citizen = bodies[len(GOVERNANCE) :]
        people = [_id("person", code, index) for index in range(PEOPLE_PER_CONTRACT)]
        for index, person_id in enumerate(people):
            tables["people"].append(
                (person_id, code, "fm"[index % 2], ("16-25", "26-59", "60+")[index % 3], "resident", True, True)
            )
            starts_on = date(2021 + index % 4, 1 + index % 12, 1)
            ends_on = date(2025, 6, 30) if index % 7 == 0 else None
            tables["mandates"].append(
                (
                    _id("mandate", person_id),
                    citizen[index % len(citizen)],
                    person_id,
                    "member",
                    "residents",
                    starts_on,
                    ends_on,
                )
            )
        for index, body_id in enumerate(bodies):
            for meeting in range(MEETINGS_PER_BODY):
                meeting_id = _id("meeting", body_id, meeting)
                day = date(YEARS[meeting % len(YEARS)], 1 + meeting, 10 + index % 15)
                tables["meetings"].append(
                    (
                        meeting_id,
                        body_id,
                        code,
                        f"Séance {meeting}",
                        day,
                        date(day.year, day.month, 1),
                        ["Ordre du jour"],
                    )
                )
                first = (index * 37 + meeting * 11) % PEOPLE_PER_CONTRACT
                for offset in range(ATTENDEES):
                    person_id = people[(first + offset) % PEOPLE_PER_CONTRACT]
                    presence = "present" if offset % 5 else "excused"
                    institution = f"Institution {offset % 9}" if offset % 10 == 0 else None
                    tables["attendances"].append((meeting_id, person_id, "member", presence, institution))
            if index >= len(GOVERNANCE):
                for opinion in range(OPINIONS_PER_BODY):
                    adopted_on = date(YEARS[opinion % len(YEARS)], 1 + opinion, 15)
                    answered = opinion % 2 == 0
                    tables["opinions"].append(
                        (
                            _id("opinion", body_id, opinion), body_id, code, "opinion", f"Avis {opinion}", "Texte",
                            adopted_on, bodies[0], "partially_accepted" if answered else None,
                            "En partie" if answered else None,
                            date(adopted_on.year, adopted_on.month + 1, 20) if answered else None, 1,
                        )
                    )  # fmt: skip
    return tables


async def load(stack: BenchStack, contracts: int) -> dict[str, int]:
    tables = dataset(contracts)
    # As the schema's owner: VACUUM skips, with a warning only, the tables of any other role.
    connection = await asyncpg.connect(stack.owner_dsn("participation"))
    try:
        for table, rows in tables.items():
            for start in range(0, len(rows), 200_000):
                await connection.copy_records_to_table(
                    table, records=rows[start : start + 200_000], columns=COLUMNS[table], schema_name="participation"
                )
        for table in tables:
            await connection.execute(f"VACUUM ANALYZE participation.{table}")
    finally:
        await connection.close()
    return {table: len(rows) for table, rows in tables.items()}


def measure_indicators(stack: BenchStack, code: str) -> None:
    headers = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [code])}"}
    url = stack.url("gateway") + "/api/participation/participation-indicators"
    timings = []
    with httpx.Client(headers=headers, timeout=60) as client:
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(url, params={"contractCode": code, "year": 2024})
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(response.text)
    figures = response.json()
    print_row(
        f"indicators of one contract and year (median of 20; {figures['attendances']:,} attendances)",
        f"{statistics.median(timings):.1f} ms",
        f"(target < 100 ms; max {max(timings):.1f} ms)",
    )


def body_lists(code: str) -> dict[str, str]:
    """The lists measured, by their paths in participation."""
    body = _id("body", code, 10)
    return {
        "bodies of a contract, 50 per page": f"/bodies?contractCode={code}&limit=50",
        "meetings of a body": f"/bodies/{body}/meetings?limit=50",
        "opinions of a body with answers and commitments": f"/bodies/{body}/opinions?limit=50",
        "one meeting with its 40 attendance lines": f"/meetings/{_id('meeting', body, 3)}",
    }


def measure_body_lists(stack: BenchStack, code: str, seconds: int) -> None:
    headers = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [code])}"}
    base = stack.url("gateway") + "/api/participation"
    measure_lists({label: base + path for label, path in body_lists(code).items()}, headers, seconds)


def measure_draw(stack: BenchStack, code: str, pool: int, seats: int) -> None:
    headers = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [code])}"}
    base = stack.url("gateway") + "/api/participation"
    candidates = [
        {
            "gender": "fm"[index % 2],
            "ageBand": ("16-25", "26-39", "40-59", "60+")[index % 4],
            "inQpv": index % 5 != 0,
            "household": f"H{index // 2}",
            "familyName": f"Fictif{index}",
            "givenName": "Personne",
        }
        for index in range(pool)
    ]
    request = {
        "seats": {"titulars": seats, "reserves": seats // 4, "minInQpv": seats * 3 // 4},
        "commitment": hashlib.sha256(SEED.encode()).hexdigest(),
        "challengeEndsOn": "2030-01-01",
        "candidates": candidates,
    }
    with httpx.Client(headers=headers, timeout=120) as client:
        started = time.perf_counter()
        opened = client.post(f"{base}/bodies/{_id('body', code, 10)}/draws", json=request)
        opening = time.perf_counter() - started
        if opened.status_code != 201:
            raise SystemExit(opened.text[:500])
        draw_url = f"{base}/draws/{opened.json()['id']}"
        started = time.perf_counter()
        revealed = client.post(f"{draw_url}/reveal", json={"seed": SEED})
        drawing = time.perf_counter() - started
        started = time.perf_counter()
        verified = client.get(f"{draw_url}/verification").json()
        verifying = time.perf_counter() - started
    print_row(f"pool of {pool:,} sent, checked, hashed and stored (API)", f"{opening * 1000:.0f} ms", "")
    print_row(
        f"draw of {seats} titulars + {seats // 4} reserves at the reveal (API)",
        f"{drawing * 1000:.0f} ms",
        "(target < 1 s)",
    )
    print_row(
        "public verification re-run (API)",
        f"{verifying * 1000:.0f} ms",
        f"(same hash: {verified['matches'] and verified['resultHash'] == revealed.json()['resultHash']})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--pool", type=int, default=20_000)
    parser.add_argument("--cpu", type=int, default=0, help="list requests served in-process per list (0: none)")
    parser.add_argument("--profile", action="store_true", help="with --cpu: where each list's time goes")
    arguments = parser.parse_args()
    print(f"{'measure':<62}{'result':>18}   target", flush=True)
    with running_stack(("territories", "participation", "gateway")) as stack:
        print_machine_speed(stack)
        started = time.perf_counter()
        counts = asyncio.run(load(stack, arguments.contracts))
        print_row(
            f"loaded {counts['bodies']:,} bodies, {counts['people']:,} people, {counts['meetings']:,} meetings",
            f"{time.perf_counter() - started:.1f} s",
            f"(COPY; {counts['attendances']:,} attendances, {counts['opinions']:,} opinions)",
        )
        code = contract(arguments.contracts // 2)
        measure_indicators(stack, code)
        measure_body_lists(stack, code, arguments.seconds)
        measure_draw(stack, code, arguments.pool, 40)
        if arguments.cpu:
            headers = {
                "Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [code])}",
                "Cache-Control": "no-cache",
            }
            asyncio.run(
                cpu_in_process(stack, "participation", body_lists(code), headers, arguments.cpu, arguments.profile)
            )


if __name__ == "__main__":
    main()
