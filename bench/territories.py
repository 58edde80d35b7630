"""Territories performance: national perimeters, batch classification, batch and single lookups.

    .venv/bin/python -m bench.territories [--points 1000000] [--seconds 8]     (from the repository root)

Prints one table: the national QPV 2024 file read, checked (586 repairs) and indexed in-process; its
import into PostgreSQL; classification of random points over the national perimeters (in-process,
the classification step alone); a 100 000-point CSV through the gateway end to end; single lookups
through the gateway at concurrency 32 (wrk). Uses its own embedded stack; stops everything after.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import shutil
import time

import httpx
import numpy as np

from bench.local_stack import ROOT, running_stack, wrk
from cli.__main__ import _import_national_qpvs
from kit.auth.principal import Role, scopes_for_roles
from kit.auth.tokens import TokenGrant, TokenIssuer
from services.territories.domain.perimeters import check_perimeter
from services.territories.domain.qpv_index import IndexedQpv, QpvIndex, classify

NATIONAL = ROOT / "services" / "territories" / "data" / "qpv_2024_france.geojson.gz"
# Metropolitan France's bounding box: random points land inside and outside QPVs.
BOX = {"lon": (-4.8, 8.2), "lat": (42.3, 51.1)}


def _row(label: str, value: str, target: str) -> None:
    print(f"{label:<58}{value:>16}   {target}")


def in_process(points: int) -> None:
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


def through_the_stack(seconds: int) -> None:
    with running_stack(("territories", "gateway")) as stack:
        url = stack.environments["territories"]["TERRITORIES_DATABASE_URL"]
        started = time.perf_counter()
        asyncio.run(_import_national_qpvs(url))
        _row("national file imported into PostgreSQL", f"{time.perf_counter() - started:.2f} s", "(target < 5 s)")
        gateway = stack.url("gateway")
        httpx.get(gateway + "/api/territories/localisation?lat=48.9&lon=2.36", timeout=30)  # builds the index
        issuer = TokenIssuer(
            stack.secrets.signing_key_pem, "https://coeur-de-quartier.local/gateway", "coeur-de-quartier", 600
        )
        token = issuer.mint(
            TokenGrant(
                subject="bench",
                kind="user",
                institution=None,
                roles=["operator"],
                scopes=sorted(scopes_for_roles([Role.OPERATOR])),
            )
        )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=8)
    arguments = parser.parse_args()
    print(f"{'measure':<58}{'result':>16}   target")
    in_process(arguments.points)
    through_the_stack(arguments.seconds)


if __name__ == "__main__":
    main()
