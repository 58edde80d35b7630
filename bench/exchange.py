"""The exchange files with the prefecture on a national-scale programmation.

    .venv/bin/python -m bench.exchange [--applications 20000] [--years 2]   (from the repository root)

Loads the data set of bench.grants (`--applications` a year; the last year still under instruction),
then, through the gateway: exports the last year's programmation as XLSX and CSV (median of 3 each),
reads the evaluation dashboard of the year before (notified),
builds a decisions file of every line from the CSV (SIRET + year + title, the amount decided), and times
its dry run and its import. Reports the grants process's peak memory (VmHWM) before and after the
exports. Uses its own embedded stack; stops everything after.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.grants import CONTRACT, load
from bench.local_stack import BenchStack, job_outcome, print_row, running_stack
from identity.principal import Role


def _peak_kib(port: int) -> int:
    """VmHWM of the uvicorn process serving `port` (Linux /proc)."""
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            command = (process / "cmdline").read_bytes().replace(b"\0", b" ")
            if b"services.grants" in command and str(port).encode() in command:
                for line in (process / "status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def _timed(action: Callable[[], httpx.Response], times: int) -> tuple[float, httpx.Response]:
    timings, responses = [], []
    for _ in range(times):
        started = time.perf_counter()
        responses.append(action())
        timings.append(time.perf_counter() - started)
        if responses[-1].status_code not in {200, 201}:
            raise SystemExit(f"{responses[-1].status_code}: {responses[-1].text[:500]}")
    return statistics.median(timings), responses[-1]


def decisions_file(exported: bytes) -> bytes:
    """Every line of the export, decided at its requested P147 amount: Dauphin number, SIRET, year, title."""
    rows = csv.DictReader(io.StringIO(exported.decode("utf-8-sig")), delimiter=";")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["N° dossier Dauphin", "Code SIRET", "Exercice", "Intitulé de l'action", "Montant voté", "Date de décision"]
    )
    for row in rows:
        writer.writerow(
            [
                row["numero_dossier_dauphin"],
                row["siret"],
                row["exercice"],
                row["intitule_action"],
                row["montant_sollicite_p147"],
                "2026-02-10",
            ]
        )
    return out.getvalue().encode("utf-8")


def measure(stack: BenchStack, year: int) -> None:
    gateway = stack.url("gateway") + "/api/grants"
    state = {"Authorization": f"Bearer {stack.token(Role.STATE, [CONTRACT], 'etat-p147')}"}
    params: dict[str, str | int] = {"contractCode": CONTRACT, "year": year}
    before = _peak_kib(stack.ports["grants"])
    with httpx.Client(headers=state, timeout=300) as client:
        url = f"{gateway}/programmation-exports"
        seconds, workbook = _timed(lambda: client.get(url, params={**params, "format": "xlsx"}), 3)
        print_row(
            "export XLSX of one year (median of 3)",
            f"{seconds:.2f} s",
            f"(target < 5 s; {len(workbook.content) / 1e6:.1f} MB)",
        )
        seconds, exported = _timed(lambda: client.get(url, params={**params, "format": "csv"}), 3)
        rows = exported.content.count(b"\r\n") - 1
        print_row(
            f"export CSV of {rows:,} applications (median of 3)",
            f"{seconds:.2f} s",
            f"(target < 2 s; {len(exported.content) / 1e6:.1f} MB)",
        )
        after = _peak_kib(stack.ports["grants"])
        print_row(
            "grants process peak memory (VmHWM) before / after the exports",
            f"{before / 1024:.0f} / {after / 1024:.0f} MB",
            "(target < 300 MB)",
        )
        evaluated = f"{gateway}/evaluation/years/{year - 1}"
        seconds, board = _timed(
            lambda: client.get(evaluated, params={"contractCode": CONTRACT}, headers={"Cache-Control": "no-cache"}), 3
        )
        print_row(
            f"evaluation dashboard of {year - 1} (median of 3, not remembered)",
            f"{seconds:.2f} s",
            f"({board.json()['actionsFunded']:,} actions funded)",
        )
        content = decisions_file(exported.content)
        imports = f"{gateway}/decision-imports"
        headers = {"Content-Type": "text/csv"}
        seconds, dry = _timed(
            lambda: job_outcome(
                client,
                client.post(
                    imports, params={"contractCode": CONTRACT, "dryRun": "true"}, content=content, headers=headers
                ),
            ),
            1,
        )
        print_row(f"dry run of {rows:,} decision lines", f"{seconds:.2f} s", f"(target < 5 s; {dry.json()['counts']})")
        seconds, done = _timed(
            lambda: job_outcome(
                client,
                client.post(
                    imports, params={"contractCode": CONTRACT, "dryRun": "false"}, content=content, headers=headers
                ),
            ),
            1,
        )
        print_row(f"import of {rows:,} decision lines", f"{seconds:.2f} s", f"(target < 5 s; {done.json()['counts']})")
        changed = content.replace(b"2026-02-10", b"2026-02-11")
        seconds, second = _timed(
            lambda: job_outcome(
                client,
                client.post(
                    imports, params={"contractCode": CONTRACT, "dryRun": "false"}, content=changed, headers=headers
                ),
            ),
            1,
        )
        print_row(
            "the same decisions again (another file: every line compared)",
            f"{seconds:.2f} s",
            f"({second.json()['counts']})",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=20_000, help="applications per year")
    parser.add_argument("--years", type=int, default=2)
    arguments = parser.parse_args()
    print(f"{'measure':<62}{'result':>18}   target", flush=True)
    with running_stack(("territories", "grants", "gateway")) as stack:
        started = time.perf_counter()
        asyncio.run(load(stack, arguments.applications, arguments.years))
        print_row(
            f"loaded {arguments.applications * arguments.years + 2000:,} applications",
            f"{time.perf_counter() - started:.1f} s",
            "(COPY)",
        )
        measure(stack, 2024 + arguments.years - 1)


if __name__ == "__main__":
    main()
