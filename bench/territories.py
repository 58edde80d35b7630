"""Territories performance: national perimeters, batch classification, batch and single lookups.

    .venv/bin/python -m bench.territories [--points 1000000] [--seconds 8]     (from the repository root)

Prints one table: the national QPV 2024 file read, checked (586 repairs) and indexed in-process; its
import into PostgreSQL; classification of random points over the national perimeters (in-process,
the classification step alone); a 100 000-point CSV through the gateway end to end; single lookups
through the gateway at concurrency 32 (wrk); a vulnerability computation over 100 000 synthetic
Filosofi squares (values drawn from the real Arras sample), in-process and through the gateway.
Uses its own embedded stack; stops everything after.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.local_stack import ROOT, BenchStack, job_outcome, running_stack, wrk
from cli.data_imports import import_filosofi, import_national_qpvs
from identity.principal import Role
from services.territories.localisation.domain import IndexedQpv, QpvIndex, classify
from services.territories.qpvs.domain import check_perimeter
from services.territories.vulnerability.domain.computations import evaluate
from services.territories.vulnerability.domain.zones import SquareArrays, Thresholds

NATIONAL = ROOT / "services" / "territories" / "data" / "qpv_2024_france.geojson.gz"
SAMPLE = ROOT / "services" / "territories" / "data" / "filosofi2021_200m_sample_arras.csv"
# Metropolitan France's bounding box: random points land inside and outside QPVs.
BOX = {"lon": (-4.8, 8.2), "lat": (42.3, 51.1)}


def _row(label: str, value: str, target: str) -> None:
    print(f"{label:<58}{value:>16}   {target}")


def synthetic_squares(count: int) -> list[list[str]]:
    """`count` squares on a block of the grid around Arras, each with the values of a random real square."""
    sample = list(csv.DictReader(SAMPLE.read_text(encoding="utf-8").splitlines()))
    generator = np.random.default_rng(3035)
    width = 400
    rows = []
    for position, pick in enumerate(generator.integers(0, len(sample), count)):
        real = sample[int(pick)]
        northing, easting = 3_020_000 + 200 * (position // width), 3_780_000 + 200 * (position % width)
        rows.append(
            [f"CRS3035RES200mN{northing}E{easting}", real["i_est_200"]]
            + [real[name] for name in ("ind", "men", "men_pauv", "men_fmp", "ind_snv")]
        )
    return rows


SQUARE_HEADER = "idcar_200m,i_est_200,ind,men,men_pauv,men_fmp,ind_snv"


def vulnerability_in_process(index: QpvIndex, count: int) -> None:
    rows = synthetic_squares(count)
    columns: dict[str, list[Any]] = {
        "square_id": [row[0] for row in rows],
        "northing": [int(row[0][15:22]) for row in rows],
        "easting": [int(row[0][23:]) for row in rows],
        "imputed": [row[1] == "1" for row in rows],
        "individuals": [float(row[2]) for row in rows],
        "households": [float(row[3]) for row in rows],
        "poor_households": [float(row[4]) for row in rows],
        "sum_standard_of_living": [float(row[6]) for row in rows],
    }
    timings, found = [], 0
    for _ in range(3):
        started = time.perf_counter()
        zones, squares = evaluate(SquareArrays.of(columns), Thresholds(), index)
        timings.append(time.perf_counter() - started)
        found = len(zones)
    _row(
        f"vulnerability: {count:,} squares in-process (best of 3)",
        f"{min(timings):.2f} s",
        f"(target < 2 s; {len(squares):,} squares, {found:,} zones)",
    )


def in_process(points: int) -> QpvIndex:
    started = time.perf_counter()
    with gzip.open(NATIONAL, "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    checked = [check_perimeter(feature["geometry"]) for feature in features]
    index = QpvIndex(
        [IndexedQpv(feature["properties"]["code"], feature["properties"]["nom"]) for feature in features],
        [perimeter.geometry for perimeter in checked],
    )
    elapsed = time.perf_counter() - started
    _row(f"national file: read, check, repair, index {len(features)} QPV", f"{elapsed:.2f} s", "(target < 5 s)")
    generator = np.random.default_rng(20261122)
    lons = generator.uniform(*BOX["lon"], points)
    lats = generator.uniform(*BOX["lat"], points)
    classify(index, lons[:10_000], lats[:10_000], 500.0)  # warm-up: first calls initialise libraries
    for tolerance in (0.0, 500.0):
        started = time.perf_counter()
        located = classify(index, lons, lats, tolerance)
        elapsed = time.perf_counter() - started
        inside = len(set(located.match_points.tolist()))
        _row(
            f"classify {points:,} random points, nearest within {tolerance:g} m",
            f"{points / elapsed / 1e6:.2f} M pts/s",
            f"(target >= 1 M/s; {inside} inside a QPV)",
        )
    return index


def vulnerability_through_the_stack(stack: BenchStack, count: int) -> None:
    url = stack.environments["territories"]["TERRITORIES_DATABASE_URL"]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "squares.csv"
        path.write_text(SQUARE_HEADER + "\n" + "\n".join(",".join(row) for row in synthetic_squares(count)) + "\n")
        started = time.perf_counter()
        asyncio.run(import_filosofi(url, path, 2019, ["62041"], dry_run=False, skip_bad_lines=False))
        _row(f"vulnerability: {count:,} squares imported (CLI)", f"{time.perf_counter() - started:.2f} s", "")
    headers = {"Authorization": f"Bearer {stack.token(Role.PLATFORM_ADMIN)}"}
    body = {"communes": ["62041"], "vintage": 2019}
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        with httpx.Client(timeout=60) as client:
            response = job_outcome(
                client,
                client.post(
                    stack.url("gateway") + "/api/territories/vulnerability-computations", json=body, headers=headers
                ),
            )
        timings.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise SystemExit(f"computation failed: {response.status_code} {response.text[:300]}")
    _row(
        f"vulnerability: {count:,} squares through the gateway (best of 3)",
        f"{min(timings):.2f} s",
        f"(target < 2 s; read, compute, keep; {response.json()['qualifyingSquares']:,} squares)",
    )


def through_the_stack(seconds: int, squares: int) -> None:
    with running_stack(("territories", "gateway")) as stack:
        url = stack.environments["territories"]["TERRITORIES_DATABASE_URL"]
        started = time.perf_counter()
        asyncio.run(import_national_qpvs(url))
        _row("national file imported into PostgreSQL", f"{time.perf_counter() - started:.2f} s", "(target < 5 s)")
        gateway = stack.url("gateway")
        httpx.get(gateway + "/api/territories/localisation?lat=48.9&lon=2.36", timeout=30)  # builds the index
        token = stack.token(Role.OPERATOR)
        generator = np.random.default_rng(7)
        lons = generator.uniform(*BOX["lon"], 100_000)
        lats = generator.uniform(*BOX["lat"], 100_000)
        body = "id,lat,lon\n" + "\n".join(
            f"p{i},{lat:.6f},{lon:.6f}" for i, (lat, lon) in enumerate(zip(lats, lons, strict=True))
        )
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            response = httpx.post(
                gateway + "/api/territories/localisation/batch",
                content=body,
                timeout=60,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
            )
            timings.append(time.perf_counter() - started)
            if response.status_code != 200 or response.text.count("\n") != 100_001:
                raise SystemExit(f"batch failed: {response.status_code} {response.text[:300]}")
        _row("100,000-point CSV through the gateway, end to end (best of 3)", f"{min(timings):.2f} s", "(target < 1 s)")
        if shutil.which("wrk"):
            single = gateway + "/api/territories/localisation?lat=48.9062&lon=2.3656"
            wrk(single, 32, 2)
            rate, p50, p99 = wrk(single, 32, seconds)
            _row(
                "single lookup through the gateway, c=32",
                f"p99 {p99:.1f} ms",
                f"(target < 20 ms; {rate:.0f} req/s, p50 {p50:.1f} ms)",
            )
        else:
            _row("single lookup through the gateway, c=32", "skipped", "(install wrk)")
        vulnerability_through_the_stack(stack, squares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--squares", type=int, default=100_000)
    arguments = parser.parse_args()
    print(f"{'measure':<58}{'result':>16}   target")
    index = in_process(arguments.points)
    vulnerability_in_process(index, arguments.squares)
    through_the_stack(arguments.seconds, arguments.squares)


if __name__ == "__main__":
    main()
