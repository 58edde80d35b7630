"""The commands that load data: the CU d'Arras reference (and grants' and participation's), the national
QPV file, INSEE's Filosofi squares, the COG; and the retention run that deletes personal data past its time.
Each runs one use case of its service in a unit of work of its own (cli/databases.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

from cli.databases import CLI_ADMIN, database_url, say, unit_of_work


async def import_reference(url: str) -> str:
    from services.territories.imports.use_cases import import_reference_data

    async with unit_of_work(url, "territories", "import") as uow:
        report = await import_reference_data(uow, CLI_ADMIN)
    return (
        f"epcis={report.epcis} communes={report.communes} qpvs={report.qpvs} contracts={report.contracts}"
        f" indicatorValues={report.indicator_values} squares={report.squares}"
        f" renewalProjects={report.renewal_projects}"
    )


async def import_grants_reference_data(url: str) -> str:
    from services.grants.contract_indicators.use_cases import load_indicators, seeded_indicators
    from services.grants.demo.use_cases.load import load_demo_programmation
    from services.grants.engagements.use_cases.seed import load_engagements
    from services.grants.framework.use_cases import DATA_DIR, import_grants_reference
    from services.grants.programmes.use_cases import load_demo, read_demo

    async with unit_of_work(url, "grants", "import") as uow:
        report = await import_grants_reference(uow)
    engagements = json.loads((DATA_DIR / "cua_engagements.json").read_text(encoding="utf-8"))
    async with unit_of_work(url, "grants", "import") as uow:
        loaded = await load_engagements(uow, engagements)
    framework = json.loads((DATA_DIR / "cua_contract_indicators.json").read_text(encoding="utf-8"))
    async with unit_of_work(url, "grants", "import") as uow:
        indicators = await load_indicators(uow, seeded_indicators(framework))
    async with unit_of_work(url, "grants", "import") as uow:
        demo = await load_demo(uow, read_demo())
    async with unit_of_work(url, "grants", "import") as uow:
        programmation = await load_demo_programmation(uow)
    programmed = (
        f" demo programmation 2024-2025 (fictitious): operators={programmation.operators}"
        f" applications={programmation.applications} committees={programmation.committees}"
        f" cpo={programmation.conventions}"
        f" tranches={programmation.tranches} activityReports={programmation.activity_reports}"
        if programmation.loaded
        else " demo programmation: already loaded"
    )
    return (
        f"objectives={report.objectives} institutions={report.institutions} schemeEnvelopes={report.scheme_envelopes}"
        f" signatories={loaded.signatories}"
        f" engagementSheets={loaded.sheets} (fictitious ones marked) unresolvedObjectives={loaded.unresolved}"
        f" contractIndicators={indicators} connected programmes={demo.programmes}"
        f" (their {demo.years} years of figures fictitious) demo calls={demo.calls + programmation.calls}{programmed}"
    )


async def import_participation_demo(url: str) -> str:
    from services.participation.demo.use_cases import load_demo, read_demo_spec

    async with unit_of_work(url, "participation", "import") as uow:
        report = await load_demo(uow, read_demo_spec())
    if not report.loaded:
        return "already loaded"
    return (
        f"bodies={report.bodies} fictitious people={report.people} meetings={report.meetings}"
        f" opinions={report.opinions}"
    )


async def apply_retention(url: str, today: date) -> str:
    from services.participation.retention.use_cases import apply_retention as apply

    async with unit_of_work(url, "participation", "retention") as uow:
        report = await apply(uow, today)
    return (
        f"draws purged={report.draws_purged} pool identities deleted={report.pool_identities_deleted}"
        f" former members' identities deleted={report.member_identities_deleted}"
        f" consultation contacts deleted={report.consultation_contacts_deleted}"
    )


async def import_national_qpvs(url: str, path: Path | None = None, skip_refused: bool = False) -> str:
    from services.territories.imports.use_cases import DATA_DIR
    from services.territories.imports.use_cases import import_national_qpvs as import_qpvs

    async with unit_of_work(url, "territories", "import") as uow:
        report = await import_qpvs(uow, path or DATA_DIR / "qpv_2024_france.geojson.gz", skip_refused=skip_refused)
    return (
        f"QPV 2024 of France: {report.qpvs} perimeters (written as RFC 7946 says), {report.changed} changed,"
        f" {len(report.repaired)} repaired (invalid after rounding), {len(report.refused)} refused"
    )


async def import_filosofi(
    url: str, path: Path, vintage: int, communes: list[str], *, dry_run: bool, skip_bad_lines: bool
) -> str:
    from services.territories.vulnerability.use_cases import fields_dictionary, import_squares

    text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    async with unit_of_work(url, "territories", "import") as uow:
        report = await import_squares(
            uow,
            CLI_ADMIN,
            text,
            vintage,
            communes,
            fields_dictionary(),
            dry_run=dry_run,
            skip_bad_lines=skip_bad_lines,
        )
    refused = "".join(f"\n  line {error.line}: {error.field}: {error.message}" for error in report.errors[:50])
    return (
        f"Filosofi {vintage}: {report.lines} lines, {report.created} new, {report.changed} changed,"
        f" {report.unchanged} unchanged, {report.skipped} refused{' (dry run)' if dry_run else ''}{refused}"
    )


async def import_cog(url: str, directory: Path, population_year: int) -> str:
    from services.territories.imports.use_cases import DATA_DIR, read_cog_directory
    from services.territories.imports.use_cases import import_cog as import_documents

    aliases = json.loads((DATA_DIR / "aliases.json").read_text(encoding="utf-8"))["communes"]
    documents = await asyncio.to_thread(read_cog_directory, directory)
    async with unit_of_work(url, "territories", "import") as uow:
        report = await import_documents(uow, documents, population_year, aliases)
    return (
        f"COG: {report.regions} regions, {report.departements} departements, {report.epcis} EPCI,"
        f" {report.communes} communes (population {population_year}); {report.changed} rows changed;"
        f" {report.other_entries} delegated/associated communes and arrondissements left out"
    )


async def import_national(url: str) -> str:
    from cli.national_reference import POPULATION_YEAR, VERSION, package_data

    directory = await asyncio.to_thread(package_data)
    cog = await import_cog(url, directory, POPULATION_YEAR)
    qpvs = await import_national_qpvs(url)
    return f"@etalab/decoupage-administratif {VERSION} ({directory}): {cog}\n{qpvs}"


def command_import_reference(_arguments: argparse.Namespace) -> None:
    if os.environ.get("TERRITORIES_DATABASE_URL"):
        # An external database: the grants reference and the participation demo only where asked.
        say(asyncio.run(import_reference(os.environ["TERRITORIES_DATABASE_URL"])))
        if os.environ.get("GRANTS_DATABASE_URL"):
            say(asyncio.run(import_grants_reference_data(os.environ["GRANTS_DATABASE_URL"])))
        if os.environ.get("PARTICIPATION_DATABASE_URL"):
            say(asyncio.run(import_participation_demo(os.environ["PARTICIPATION_DATABASE_URL"])))
        return
    say(asyncio.run(import_reference(database_url("territories"))))
    say(asyncio.run(import_grants_reference_data(database_url("grants"))))
    say(asyncio.run(import_participation_demo(database_url("participation"))))


def command_import_qpv_national(arguments: argparse.Namespace) -> None:
    say(asyncio.run(import_national_qpvs(database_url("territories"), arguments.file, arguments.skip_refused)))


def command_import_filosofi(arguments: argparse.Namespace) -> None:
    communes = [code for code in arguments.communes.split(",") if code] if arguments.communes else []
    imported = import_filosofi(
        database_url("territories"),
        arguments.file,
        arguments.vintage,
        communes,
        dry_run=arguments.dry_run,
        skip_bad_lines=arguments.skip_bad_lines,
    )
    say(asyncio.run(imported))


def command_import_cog(arguments: argparse.Namespace) -> None:
    say(asyncio.run(import_cog(database_url("territories"), arguments.directory, arguments.population_year)))


def command_import_national(_arguments: argparse.Namespace) -> None:
    from cli.national_reference import NationalReferenceError

    try:
        say(asyncio.run(import_national(database_url("territories"))))
    except NationalReferenceError as error:
        raise SystemExit(str(error)) from error


def command_apply_retention(_arguments: argparse.Namespace) -> None:
    say(asyncio.run(apply_retention(database_url("participation"), datetime.now(UTC).date())))
