"""Participation performance: a stratified, verifiable draw by lot.

    .venv/bin/python -m bench.participation [--pool 20000] [--seats 40]   (from the repository root)

Draws titulars (parity, one person per household, a minimum of QPV residents, a cap per age band) and
reserves from a frozen pool, then re-runs the verification from the published inputs. In-process.
"""

from __future__ import annotations

import argparse
import time

from services.participation.draws.domain import Candidate, Seats, commitment_of, draw, pool_hash, verify
from services.participation.members.domain import Gender

SEED = "tirage public: 12-27-33-41-48"


def _row(label: str, value: str, target: str) -> None:
    print(f"{label:<58}{value:>14}   {target}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pool", type=int, default=20_000)
    parser.add_argument("--seats", type=int, default=40)
    arguments = parser.parse_args()
    pool = [
        Candidate(
            reference=f"P{index:07d}",
            gender=Gender.WOMAN if index % 2 else Gender.MAN,
            age_band=["16-25", "26-39", "40-59", "60+"][index % 4],
            in_qpv=index % 5 != 0,
            household=f"H{index // 2}",
        )
        for index in range(arguments.pool)
    ]
    seats = Seats(
        titulars=arguments.seats,
        reserves=arguments.seats // 4,
        min_in_qpv=arguments.seats * 3 // 4,
        max_per_age_band={"60+": arguments.seats // 3},
    )
    print(f"{'measure':<58}{'result':>14}   target", flush=True)
    started = time.perf_counter()
    published = pool_hash(pool)
    hashed = time.perf_counter() - started
    _row(f"pool of {arguments.pool:,} frozen and hashed", f"{hashed * 1000:.0f} ms", "")
    started = time.perf_counter()
    result = draw(pool, published, commitment_of(SEED), SEED, seats)
    elapsed = time.perf_counter() - started
    _row(
        f"draw of {arguments.seats} titulars + {seats.reserves} reserves", f"{elapsed * 1000:.0f} ms", "(target < 1 s)"
    )
    started = time.perf_counter()
    same = verify(pool, published, commitment_of(SEED), SEED, seats, result.result_hash)
    _row("verification re-run", f"{(time.perf_counter() - started) * 1000:.0f} ms", f"(same hash: {same})")


if __name__ == "__main__":
    main()
