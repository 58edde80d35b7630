"""The annual review of a national-scale contract as JSON, HTML and PDF, through the gateway.

    .venv/bin/python -m bench.review [--applications 20000] [--years 7] [--contracts 100] [--times 5]

Loads bench.grants' programmation into the CUA's contract (`--applications` a year over `--years` calls,
5 financers each), the participation demo of the CUA and bench.participation_national's bodies of
`--contracts` other contracts (the tables' national volume), then times the review of the middle year: the
first answer (each service computes) and the median of `--times` more, as JSON (annual and mid-term), as the
HTML page and as the PDF (headless Chromium kept open: the first PDF starts it). Uses its own embedded
stack; stops it after.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from bench import grants, participation_national
from bench.local_stack import BenchStack, print_row, running_stack
from cli.data_imports import import_participation_demo
from identity.principal import Role

CONTRACT = grants.CONTRACT


def _timings(client: httpx.Client, url: str, times: int) -> tuple[float, float, int]:
    """(first, median of the next `times`) in ms, and the last answer's size."""
    found = []
    size = 0
    for _ in range(times + 1):
        started = time.perf_counter()
        response = client.get(url)
        found.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
        size = len(response.content)
    return found[0], statistics.median(found[1:]), size


def measure(stack: BenchStack, year: int, times: int) -> None:
    headers = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [CONTRACT], 'cua')}"}
    base = f"{stack.url('gateway')}/api/contracts/{CONTRACT}/reviews/{year}"
    measured = {
        f"review {year} as JSON": (base, "< 2 s", times),
        f"review {year} as JSON, mid-term (2024 beside {year})": (base + "?mode=mid-term", "< 2 s", times),
        f"review {year} as HTML (inline SVG)": (base + ".html", "", times),
        f"review {year} as PDF (Chromium kept open)": (base + ".pdf", "< 4 s", max(times // 2, 1)),
    }
    with httpx.Client(headers=headers, timeout=120) as client:
        for label, (url, target, count) in measured.items():
            first, median, size = _timings(client, url, count)
            print_row(
                label,
                f"{median / 1000:.2f} s",
                f"(target {target or 'none'}; first {first / 1000:.2f} s; median of {count}; {size / 1024:,.0f} KiB)",
            )


def measure_sources(stack: BenchStack, year: int) -> None:
    """Each endpoint the review reads, timed alone through the gateway (the slowest ones): where the time goes."""
    headers = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [CONTRACT], 'cua')}"}
    with httpx.Client(headers=headers, timeout=120) as client:
        review = client.get(f"{stack.url('gateway')}/api/contracts/{CONTRACT}/reviews/{year}").json()
        endpoints = {
            block["provenance"]["endpoint"].removeprefix("GET ")
            for section in review["sections"]
            for block in section["blocks"]
            if block["provenance"] is not None
        }
        timed = []
        for endpoint in sorted(endpoints):
            _, median, _ = _timings(client, stack.url("gateway") + endpoint, 2)
            timed.append((median, endpoint))
    timed.sort(reverse=True)
    print_row(f"the review's {len(timed)} reads, one after the other", f"{sum(t for t, _ in timed) / 1000:.2f} s", "")
    for median, endpoint in timed[:4]:
        print_row(f"  {endpoint.split('?')[0][:58]}", f"{median:.0f} ms", "(median of 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=20_000, help="applications per year")
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--contracts", type=int, default=100, help="other contracts' citizen bodies")
    parser.add_argument("--times", type=int, default=5)
    arguments = parser.parse_args()
    print(f"{'measure':<62}{'result':>18}   target", flush=True)
    with running_stack(("territories", "grants", "participation", "gateway")) as stack:
        started = time.perf_counter()
        asyncio.run(grants.load(stack, arguments.applications, arguments.years))
        asyncio.run(import_participation_demo(stack.environments["participation"]["PARTICIPATION_DATABASE_URL"]))
        counts = asyncio.run(participation_national.load(stack, arguments.contracts))
        print_row(
            f"loaded {arguments.applications * arguments.years:,} applications, {counts['bodies']:,} bodies",
            f"{time.perf_counter() - started:.1f} s",
            f"({counts['people']:,} people, {counts['meetings']:,} meetings)",
        )
        measure(stack, 2024 + arguments.years // 2, arguments.times)
        measure_sources(stack, 2024 + arguments.years // 2)


if __name__ == "__main__":
    main()
