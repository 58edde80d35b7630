"""The exchange files with the prefecture on a national-scale programmation.

    .venv/bin/python -m bench.exchange [--applications 20000] [--years 2]   (from the repository root)

Loads the data set of bench.grants (`--applications` a year; the last year still under instruction),
then, through the gateway: exports the last year's programmation as XLSX and CSV (median of 3 each),
reads the evaluation dashboard of the year before (notified),
builds a decisions file of every line from the CSV (SIRET + year + title, the amount decided), and times
its dry run and its import; then opens the next year's call and times the import of a Dauphin requests
extract of `--requests` lines (two financers asked a request, half the operators known by their SIRET, half
new): its dry run, its import, the same file again, and the same requests in another file. Reports the
grants process's peak memory (VmHWM) before and after the exports. Uses its own embedded stack; stops
everything after.
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
from services.grants.demo.domain import fictitious_siret


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


REQUEST_HEADER = (
    "N° dossier Dauphin;Code SIRET;Raison sociale;RNA;Exercice;Intitulé du projet;Financeur;Montant demandé;"
    "Date de début;Date de fin"
)


def _french(euros: int) -> str:
    """Whole euros as a French spreadsheet groups them: 1 234."""
    return f"{euros:,}".replace(",", " ")


def requests_extract(exported: bytes, lines: int, year: int) -> bytes:
    """A Dauphin extract of `lines` lines for `year`, as a French spreadsheet saves it: a request asks the
    State and the CUA (a line each); every other request is of an operator the export holds, the others of
    2,000 new fictitious associations."""
    known = sorted({row["siret"] for row in csv.DictReader(io.StringIO(exported.decode("utf-8-sig")), delimiter=";")})
    rows = [REQUEST_HEADER]
    for rank in range(lines // 2):
        siret = known[rank % len(known)] if rank % 2 else fictitious_siret(60_000_000 + rank % 2_000)
        common = f"DA{year % 100:02d}{rank:06d}-1;{siret};Association {siret[-5:]};W62{siret[-7:]};{year}"
        for financer, euros in (("etat-p147", 1000 + rank % 5000), ("cua", 500 + rank % 1000)):
            rows.append(f"{common};Action {rank} de {year};{financer};{_french(euros)};01/09/{year};30/06/{year + 1}")
    return ("\n".join(rows) + "\n").encode("utf-8")


def measure_requests(stack: BenchStack, exported: bytes, year: int, lines: int) -> None:
    """The next year's call opened, then a Dauphin extract imported into it."""
    gateway = stack.url("gateway") + "/api/grants"
    pilot = {"Authorization": f"Bearer {stack.token(Role.CONTRACT_PILOT, [CONTRACT], 'cua')}"}
    with httpx.Client(headers=pilot, timeout=300) as client:
        call = client.post(
            f"{gateway}/calls",
            json={
                "contractCode": CONTRACT,
                "year": year,
                "scheme": "p147",
                "title": f"Appel {year}",
                "opensOn": f"{year - 1}-10-01",
                "closesOn": f"{year - 1}-11-30",
            },
        )
        if call.status_code != 201:
            raise SystemExit(f"call refused: {call.text}")
        content = requests_extract(exported, lines, year)
        params = {"contractCode": CONTRACT, "callId": call.json()["id"], "dialect": "tableur-fr"}

        def sent(body: bytes, dry_run: bool) -> httpx.Response:
            accepted = client.post(
                f"{gateway}/request-imports",
                params={**params, "dryRun": str(dry_run).lower()},
                content=body,
                headers={"Content-Type": "text/csv"},
            )
            return job_outcome(client, accepted)

        runs: list[tuple[str, bytes, bool, str]] = [
            (f"dry run of a Dauphin extract of {lines:,} request lines", content, True, "target < 5 s; "),
            (f"import of a Dauphin extract of {lines:,} request lines", content, False, "target < 5 s; "),
            ("the same extract again (the same file: nothing changes)", content, False, ""),
            ("the same requests in another file (every line compared)", content.replace(b"\n", b"\r\n"), False, ""),
        ]
        for label, body, dry_run, target in runs:
            started = time.perf_counter()
            done = sent(body, dry_run)
            seconds = time.perf_counter() - started
            if done.status_code not in {200, 201}:
                raise SystemExit(f"{done.status_code}: {done.text[:500]}")
            print_row(label, f"{seconds:.2f} s", f"({target}{done.json()['counts']})")


def measure(stack: BenchStack, year: int) -> bytes:
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
    return exported.content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=20_000, help="applications per year")
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20_000, help="lines of the Dauphin requests extract")
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
        exported = measure(stack, 2024 + arguments.years - 1)
        measure_requests(stack, exported, 2024 + arguments.years, arguments.requests)


if __name__ == "__main__":
    main()
