"""`python -m cli <command>`: run `python -m cli --help` for the list."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

from cli.provisioning import APPS, DATABASE, migrate, provision_sync
from cli.stack import AUDIENCE, DEFAULT_PORTS, ISSUER, StackSecrets, app_environments, uvicorn_command
from kit.embedded_postgres import EmbeddedPostgres

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
SECRETS_FILE = DATA_DIR / "secrets.json"
STATE_FILE = DATA_DIR / "state.json"


def _say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


async def _import_reference(database_url: str) -> str:
    from kit.auth.principal import Principal, Role
    from kit.database import UnitOfWork, create_engine, create_sessionmaker
    from services.territories.use_cases.reference_import import import_reference_data

    engine = create_engine(database_url, "territories", application_name="cli-import")
    try:
        actor = Principal(subject="cli", kind="client", roles=frozenset({Role.PLATFORM_ADMIN}))
        report = await import_reference_data(UnitOfWork(create_sessionmaker(engine)), actor)
    finally:
        await engine.dispose()
    return (
        f"epcis={report.epcis} communes={report.communes} qpvs={report.qpvs} contracts={report.contracts}"
        f" indicatorValues={report.indicator_values} squares={report.squares}"
        f" renewalProjects={report.renewal_projects}"
    )


async def _import_grants_reference(database_url: str) -> str:
    from kit.database import UnitOfWork, create_engine, create_sessionmaker
    from services.grants.use_cases.reference_import import import_grants_reference

    engine = create_engine(database_url, "grants", application_name="cli-import")
    try:
        report = await import_grants_reference(UnitOfWork(create_sessionmaker(engine)))
    finally:
        await engine.dispose()
    return f"objectives={report.objectives} institutions={report.institutions}"


async def _import_participation_demo(database_url: str) -> str:
    from kit.database import UnitOfWork, create_engine, create_sessionmaker
    from services.participation.use_cases.demo_data import load_demo, read_demo_spec

    engine = create_engine(database_url, "participation", application_name="cli-import")
    try:
        report = await load_demo(UnitOfWork(create_sessionmaker(engine)), read_demo_spec())
    finally:
        await engine.dispose()
    if not report.loaded:
        return "already loaded"
    return (
        f"bodies={report.bodies} fictitious people={report.people} meetings={report.meetings}"
        f" opinions={report.opinions}"
    )


async def _apply_retention(database_url: str, today: date) -> str:
    from kit.database import UnitOfWork, create_engine, create_sessionmaker
    from services.participation.use_cases.retention import apply_retention

    engine = create_engine(database_url, "participation", application_name="cli-retention")
    try:
        report = await apply_retention(UnitOfWork(create_sessionmaker(engine)), today)
    finally:
        await engine.dispose()
    return (
        f"draws purged={report.draws_purged} pool identities deleted={report.pool_identities_deleted}"
        f" former members' identities deleted={report.member_identities_deleted}"
        f" consultation contacts deleted={report.consultation_contacts_deleted}"
    )


def command_apply_retention(_arguments: argparse.Namespace) -> None:
    url = os.environ.get("PARTICIPATION_DATABASE_URL")
    if not url:
        raise SystemExit("set PARTICIPATION_DATABASE_URL")
    _say(asyncio.run(_apply_retention(url, datetime.now(UTC).date())))


async def _import_national_qpvs(database_url: str, path: Path | None = None, skip_refused: bool = False) -> str:
    from kit.database import UnitOfWork, create_engine, create_sessionmaker
    from services.territories.use_cases.reference_import import DATA_DIR, import_national_qpvs

    engine = create_engine(database_url, "territories", application_name="cli-import")
    try:
        report = await import_national_qpvs(
            UnitOfWork(create_sessionmaker(engine)),
            path or DATA_DIR / "qpv_2024_france.geojson.gz",
            skip_refused=skip_refused,
        )
    finally:
        await engine.dispose()
    return (
        f"QPV 2024 of France: {report.qpvs} perimeters, {report.changed} changed, {len(report.repaired)} repaired"
        f" (invalid after rounding), {len(report.refused)} refused"
    )


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited with code {process.returncode}; see its log above")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:  # noqa: S310 - loopback URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not become healthy in {timeout:g} s")


def command_up(arguments: argparse.Namespace) -> None:
    """Embedded PostgreSQL + migrations + reference data + the four apps, until Ctrl-C."""
    secrets_ = StackSecrets.load_or_create(SECRETS_FILE)
    cluster = EmbeddedPostgres(root=DATA_DIR / "pg", superuser_password=secrets_.superuser_password)
    _say(f"PostgreSQL: {cluster.binaries_source} binaries in {cluster.bin_dir}, port {cluster.port}")
    cluster.start()
    children: list[subprocess.Popen[bytes]] = []
    try:
        admin = cluster.url("postgres", secrets_.superuser_password, "postgres", driver="postgresql")
        provision_sync(admin, DATABASE, secrets_.role_passwords, secrets_.owner_passwords)
        ports = {
            app: arguments.port_base + offset
            for app, offset in (("gateway", 0), ("territories", 1), ("grants", 2), ("participation", 3))
        }
        environments = app_environments(secrets_, "127.0.0.1", cluster.port, ports)
        for app in APPS:
            migrate(app, secrets_.owner_url(app, "127.0.0.1", cluster.port))
        _say("migrations: territories, grants, participation, gateway at head")
        territories_url = environments["territories"]["TERRITORIES_DATABASE_URL"]
        _say("reference data: " + asyncio.run(_import_reference(territories_url)))
        grants_url = environments["grants"]["GRANTS_DATABASE_URL"]
        _say("grants reference data: " + asyncio.run(_import_grants_reference(grants_url)))
        participation_url = environments["participation"]["PARTICIPATION_DATABASE_URL"]
        _say("participation demo (fictitious members): " + asyncio.run(_import_participation_demo(participation_url)))
        if arguments.national_qpv:
            _say(asyncio.run(_import_national_qpvs(territories_url)))
        STATE_FILE.write_text(json.dumps({"db_port": cluster.port, "ports": ports}))
        for app in ("territories", "grants", "participation", "gateway"):
            command = uvicorn_command(app, ports[app])
            children.append(subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environments[app]}))  # noqa: S603
            _wait_healthy(f"http://127.0.0.1:{ports[app]}", children[-1])
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        _say("")
        _say(f"Gateway:  {gateway}")
        _say(f"API docs: {gateway}/api/docs")
        _say(f"Try:      curl '{gateway}/api/territories/qpvs?codeEpci=200033579'")
        _say(f"          curl '{gateway}/api/territories/communes?codeEpci=200033579&limit=100'")
        _say("A dev admin token: python -m cli token --role platform_admin")
        _say("Ctrl-C stops everything.")
        stop = {"now": False}

        def request_stop(*_: object) -> None:
            stop["now"] = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stop["now"]:
            if any(child.poll() is not None for child in children):
                _say("an app exited; stopping")
                break
            time.sleep(0.3)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        cluster.stop()
        STATE_FILE.unlink(missing_ok=True)
        _say("stopped")


def command_migrate(arguments: argparse.Namespace) -> None:
    """Migrate apps of an external database; URLs from <APP>_DATABASE_URL."""
    for app in arguments.apps or APPS:
        url = os.environ.get(f"{app.upper()}_MIGRATION_DATABASE_URL") or os.environ.get(f"{app.upper()}_DATABASE_URL")
        if not url:
            raise SystemExit(f"set {app.upper()}_DATABASE_URL")
        migrate(app, url)
        _say(f"{app}: at head")


def command_import_reference(_arguments: argparse.Namespace) -> None:
    url = os.environ.get("TERRITORIES_DATABASE_URL")
    if not url:
        raise SystemExit("set TERRITORIES_DATABASE_URL")
    _say(asyncio.run(_import_reference(url)))
    grants_url = os.environ.get("GRANTS_DATABASE_URL")
    if grants_url:
        _say(asyncio.run(_import_grants_reference(grants_url)))
    participation_url = os.environ.get("PARTICIPATION_DATABASE_URL")
    if participation_url:
        _say(asyncio.run(_import_participation_demo(participation_url)))


def command_import_qpv_national(arguments: argparse.Namespace) -> None:
    url = os.environ.get("TERRITORIES_DATABASE_URL")
    if not url:
        raise SystemExit("set TERRITORIES_DATABASE_URL")
    _say(asyncio.run(_import_national_qpvs(url, arguments.file, arguments.skip_refused)))


async def _import_filosofi(
    database_url: str, path: Path, vintage: int, communes: list[str], *, dry_run: bool, skip_bad_lines: bool
) -> str:
    from kit.auth.principal import Principal, Role
    from kit.database import UnitOfWork, create_engine, create_sessionmaker
    from services.territories.use_cases.vulnerability import fields_dictionary, import_squares

    engine = create_engine(database_url, "territories", application_name="cli-import")
    try:
        actor = Principal(subject="cli", kind="client", roles=frozenset({Role.PLATFORM_ADMIN}))
        report = await import_squares(
            UnitOfWork(create_sessionmaker(engine)),
            actor,
            await asyncio.to_thread(path.read_text, encoding="utf-8-sig"),
            vintage,
            communes,
            fields_dictionary(),
            dry_run=dry_run,
            skip_bad_lines=skip_bad_lines,
        )
    finally:
        await engine.dispose()
    refused = "".join(f"\n  line {error.line}: {error.field}: {error.message}" for error in report.errors[:50])
    return (
        f"Filosofi {vintage}: {report.lines} lines, {report.created} new, {report.changed} changed,"
        f" {report.unchanged} unchanged, {report.skipped} refused{' (dry run)' if dry_run else ''}{refused}"
    )


def command_import_filosofi(arguments: argparse.Namespace) -> None:
    url = os.environ.get("TERRITORIES_DATABASE_URL")
    if not url:
        raise SystemExit("set TERRITORIES_DATABASE_URL")
    communes = [code for code in arguments.communes.split(",") if code] if arguments.communes else []
    _say(
        asyncio.run(
            _import_filosofi(
                url,
                arguments.file,
                arguments.vintage,
                communes,
                dry_run=arguments.dry_run,
                skip_bad_lines=arguments.skip_bad_lines,
            )
        )
    )


async def _import_cog(database_url: str, directory: Path, population_year: int) -> str:
    from kit.database import UnitOfWork, create_engine, create_sessionmaker
    from services.territories.use_cases.cog_import import import_cog, read_cog_directory
    from services.territories.use_cases.reference_import import DATA_DIR

    aliases = json.loads((DATA_DIR / "aliases.json").read_text(encoding="utf-8"))["communes"]
    documents = await asyncio.to_thread(read_cog_directory, directory)
    engine = create_engine(database_url, "territories", application_name="cli-import")
    try:
        report = await import_cog(UnitOfWork(create_sessionmaker(engine)), documents, population_year, aliases)
    finally:
        await engine.dispose()
    return (
        f"COG: {report.regions} regions, {report.departements} departements, {report.epcis} EPCI,"
        f" {report.communes} communes (population {population_year}); {report.changed} rows changed;"
        f" {report.other_entries} delegated/associated communes and arrondissements left out"
    )


def command_import_cog(arguments: argparse.Namespace) -> None:
    url = os.environ.get("TERRITORIES_DATABASE_URL")
    if not url:
        raise SystemExit("set TERRITORIES_DATABASE_URL")
    _say(asyncio.run(_import_cog(url, arguments.directory, arguments.population_year)))


def command_openapi(_arguments: argparse.Namespace) -> None:
    from cli.openapi_documents import write_documents

    for path in write_documents():
        _say(f"wrote {path.relative_to(ROOT)}")


def _gateway_database_url() -> str:
    if os.environ.get("GATEWAY_DATABASE_URL"):
        return os.environ["GATEWAY_DATABASE_URL"]
    if not STATE_FILE.exists():
        raise SystemExit("set GATEWAY_DATABASE_URL, or run `./dev up` in another terminal first")
    state = json.loads(STATE_FILE.read_text())
    secrets_ = StackSecrets.load_or_create(SECRETS_FILE)
    return f"postgresql+asyncpg://gateway:{secrets_.role_passwords['gateway']}@127.0.0.1:{state['db_port']}/{DATABASE}"


async def _clients(arguments: argparse.Namespace) -> None:
    from gateway.use_cases import oauth_clients
    from kit.auth.principal import Principal, Role
    from kit.database import UnitOfWork, create_engine, create_sessionmaker

    engine = create_engine(_gateway_database_url(), "gateway", application_name="cli-clients")
    uow = UnitOfWork(create_sessionmaker(engine))
    actor = Principal(
        subject="cli:" + os.environ.get("USER", "operator"), kind="user", roles=frozenset({Role.PLATFORM_ADMIN})
    )
    try:
        if arguments.action == "create":
            registration = oauth_clients.ClientRegistration(
                client_id=arguments.client_id,
                name=arguments.name,
                institution=arguments.institution,
                roles=[Role(role) for role in arguments.role],
                scopes=arguments.scope,
                contracts=arguments.contract,
                organisations=arguments.organisation,
                communes=arguments.commune,
                bodies=arguments.body,
            )
            secret = await oauth_clients.register_client(uow, actor, registration)
            _say(json.dumps({"client_id": arguments.client_id, "client_secret": secret}))
        elif arguments.action == "list":
            for row in await oauth_clients.list_clients(uow):
                _say(
                    json.dumps(
                        {
                            "client_id": row.client_id,
                            "name": row.name,
                            "scopes": row.scopes,
                            "contracts": row.contracts,
                            "revoked": row.revoked_at is not None,
                        }
                    )
                )
        elif arguments.action == "rotate":
            _say(
                json.dumps(
                    {
                        "client_id": arguments.client_id,
                        "client_secret": await oauth_clients.rotate_secret(uow, actor, arguments.client_id),
                    }
                )
            )
        elif arguments.action == "revoke":
            await oauth_clients.revoke_client(uow, actor, arguments.client_id)
            _say(f"revoked {arguments.client_id}")
    finally:
        await engine.dispose()


def command_clients(arguments: argparse.Namespace) -> None:
    asyncio.run(_clients(arguments))


def command_token(arguments: argparse.Namespace) -> None:
    """Mint a user token for local use, signed with the local stack's key."""
    from kit.auth.principal import Role, scopes_for_roles
    from kit.auth.tokens import TokenGrant, TokenIssuer

    key = os.environ.get("GATEWAY_SIGNING_KEY") or StackSecrets.load_or_create(SECRETS_FILE).signing_key_pem
    roles = [Role(role) for role in arguments.role]
    issuer = TokenIssuer(key, ISSUER, AUDIENCE, arguments.ttl)
    grant = TokenGrant(
        subject=arguments.subject,
        kind="user",
        institution=arguments.institution,
        roles=[role.value for role in roles],
        scopes=arguments.scope or sorted(scopes_for_roles(roles)),
        contracts=arguments.contract,
        organisations=arguments.organisation,
        communes=arguments.commune,
        bodies=arguments.body,
    )
    _say(issuer.mint(grant))


def _bindings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--institution")
    parser.add_argument(
        "--role",
        action="append",
        default=[],
        choices=[
            "platform_admin",
            "contract_pilot",
            "state",
            "co_financer",
            "commune",
            "operator",
            "body_facilitator",
            "auditor",
            "public",
        ],
    )
    parser.add_argument("--scope", action="append", default=[])
    parser.add_argument("--contract", action="append", default=[])
    parser.add_argument("--organisation", action="append", default=[])
    parser.add_argument("--commune", action="append", default=[])
    parser.add_argument("--body", action="append", default=[])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m cli", description="Cœur de Quartier project commands")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the whole system locally on an embedded PostgreSQL")
    up.add_argument("--port-base", type=int, default=DEFAULT_PORTS["gateway"])
    up.add_argument("--national-qpv", action="store_true", help="also load the 1,584 QPV 2024 of France")
    up.set_defaults(run=command_up)
    migrate_parser = commands.add_parser("migrate", help="migrate an external database")
    migrate_parser.add_argument("apps", nargs="*", help="apps to migrate (default: all)")
    migrate_parser.set_defaults(run=command_migrate)
    commands.add_parser("import-reference", help="load the CU d'Arras reference data").set_defaults(
        run=command_import_reference
    )
    national = commands.add_parser("import-qpv-national", help="load a national QPV 2024 GeoJSON (.gz or not)")
    national.add_argument("--file", type=Path, default=None, help="default: the shipped ANCT file")
    national.add_argument("--skip-refused", action="store_true", help="import the rest when some are unusable")
    national.set_defaults(run=command_import_qpv_national)
    cog = commands.add_parser(
        "import-cog", help="load regions, departements, EPCI and communes of @etalab/decoupage-administratif"
    )
    cog.add_argument("directory", type=Path, help="holds regions.json, departements.json, communes.json, epci.json")
    cog.add_argument("--population-year", type=int, required=True, help="vintage of the communes' population")
    cog.set_defaults(run=command_import_cog)
    filosofi = commands.add_parser("import-filosofi", help="load INSEE Filosofi 200 m squares (CSV)")
    filosofi.add_argument("file", type=Path)
    filosofi.add_argument("--vintage", type=int, required=True, choices=[2015, 2017, 2019, 2021])
    filosofi.add_argument("--communes", default="", help="communes of every square, when the file has no column")
    filosofi.add_argument("--dry-run", action="store_true", help="report every line, write nothing")
    filosofi.add_argument("--skip-bad-lines", action="store_true", help="import the good lines, report the rest")
    filosofi.set_defaults(run=command_import_filosofi)
    commands.add_parser("openapi", help="write openapi/*.json from the code").set_defaults(run=command_openapi)
    commands.add_parser(
        "apply-retention", help="delete personal data past its retention (draw pools, former members)"
    ).set_defaults(run=command_apply_retention)
    clients = commands.add_parser("clients", help="partner clients (OAuth2 client credentials)")
    clients.add_argument("action", choices=["create", "list", "rotate", "revoke"])
    clients.add_argument("client_id", nargs="?", default="")
    clients.add_argument("--name", default="")
    _bindings(clients)
    clients.set_defaults(run=command_clients)
    token = commands.add_parser("token", help="mint a dev user token")
    token.add_argument("--subject", default="dev-user")
    token.add_argument("--ttl", type=int, default=12 * 3600)
    _bindings(token)
    token.set_defaults(run=command_token)
    arguments = parser.parse_args()
    if arguments.command == "token" and not arguments.role:
        arguments.role = ["platform_admin"]
    arguments.run(arguments)


if __name__ == "__main__":
    main()
