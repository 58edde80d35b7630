"""`python -m cli <command>`: run `python -m cli --help` for the list."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType

from cli.embedded_postgres import EmbeddedPostgres, postmaster_accepts_connections
from cli.leftovers import PortTakenError, clear_leftovers
from cli.processes import ProcessIdentity
from cli.provisioning import APPS, DATABASE, migrate, owner_role, provision_sync
from cli.stack import AUDIENCE, DEFAULT_PORTS, ISSUER, StackSecrets, app_environments, uvicorn_command
from cli.stack_state import DATA_DIR_VARIABLE, ROOT, StackFiles, SupervisorLock, supervisor_running
from cli.supervisor import POSTGRES_STOP_GRACE_SECONDS, Service, StartError, Supervisor

# Loopback only: a proxy configured in the environment (http_proxy) must not see these requests.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


async def _import_reference(database_url: str) -> str:
    from kit.auth.principal import Principal, Role
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork
    from services.territories.imports.use_cases import import_reference_data

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
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork
    from services.grants.framework.use_cases import import_grants_reference

    engine = create_engine(database_url, "grants", application_name="cli-import")
    try:
        report = await import_grants_reference(UnitOfWork(create_sessionmaker(engine)))
    finally:
        await engine.dispose()
    return f"objectives={report.objectives} institutions={report.institutions}"


async def _import_participation_demo(database_url: str) -> str:
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork
    from services.participation.demo.use_cases import load_demo, read_demo_spec

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
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork
    from services.participation.retention.use_cases import apply_retention

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
    _say(asyncio.run(_apply_retention(_database_url("participation"), datetime.now(UTC).date())))


async def _import_national_qpvs(database_url: str, path: Path | None = None, skip_refused: bool = False) -> str:
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork
    from services.territories.imports.use_cases import DATA_DIR, import_national_qpvs

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


class StopRequestedError(BaseException):
    """SIGINT, SIGTERM or SIGHUP while the stack starts: what is under way is abandoned (a BaseException, as
    KeyboardInterrupt, so that no `except Exception` on the way swallows it)."""


class _StopRequests:
    """SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed) ask the stack to stop. While it starts,
    the work in progress is interrupted once; afterwards the supervision loop sees the request."""

    def __init__(self) -> None:
        self.requested = False
        self.interrupting = True

    def install(self) -> None:
        for sent in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sent, self._handle)

    def _handle(self, number: int, _frame: FrameType | None) -> None:
        self.requested = True
        if self.interrupting:
            self.interrupting = False
            raise StopRequestedError(signal.Signals(number).name)

    def stopping(self) -> bool:
        return self.requested


def _answers(url: str) -> Callable[[subprocess.Popen[bytes]], bool]:
    def ready(_process: subprocess.Popen[bytes]) -> bool:
        return _healthy(url)

    return ready


def _healthy(url: str) -> bool:
    try:
        with _LOOPBACK.open(url + "/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _prepare_data_dir(files: StackFiles) -> None:
    files.data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    # As root the cluster runs as `nobody` (cli/embedded_postgres.py), which must be able to pass through
    # every directory above its own pg/: the data directory is ours to open (a temporary one is 0700),
    # the directories above it are only checked.
    files.data_dir.chmod(files.data_dir.stat().st_mode | 0o001)
    for directory in files.data_dir.parents:
        if not directory.stat().st_mode & 0o001:
            raise SystemExit(
                f"{directory} cannot be passed through by other users, and the cluster runs as `nobody` when"
                f" we are root: `chmod o+x {directory}`, or choose another {DATA_DIR_VARIABLE}"
            )


def command_up(arguments: argparse.Namespace) -> None:
    """Embedded PostgreSQL + migrations + reference data + the four apps, supervised until Ctrl-C or
    SIGTERM: a process that exits is restarted; if this process is killed, its children stop too."""
    files = StackFiles.current()
    _prepare_data_dir(files)
    lock = SupervisorLock(files)
    if not lock.acquire():
        running = (files.read_state() or {}).get("supervisor") or {}
        raise SystemExit(
            f"a stack already runs from {files.data_dir} (supervisor pid {running.get('pid', '?')}): see `./dev status`"
        )
    stops = _StopRequests()
    stops.install()
    secrets_ = StackSecrets.load_or_create(files.secrets)
    cluster = EmbeddedPostgres(root=files.cluster_root, superuser_password=secrets_.superuser_password)
    ports = {
        app: arguments.port_base + offset
        for app, offset in (("gateway", 0), ("territories", 1), ("grants", 2), ("participation", 3))
    }
    since = datetime.now(UTC).isoformat(timespec="seconds")

    def write_state() -> None:
        files.write_state(
            {
                "db_port": cluster.port,
                "ports": ports,
                "data_dir": str(files.data_dir),
                "supervisor": {"pid": os.getpid(), "since": since},
                "services": {service.name: service.describe() for service in supervisor.services},
            }
        )

    supervisor = Supervisor(_say, write_state)
    log = None
    try:
        clear_leftovers(files, cluster, ports.values(), _say)
        _say(f"PostgreSQL: {cluster.binaries_source} binaries in {cluster.bin_dir}, port {cluster.port}")
        cluster.prepare_foreground()
        log = cluster.log_file.open("ab")
        postgres = Service(
            "postgres",
            # SIGINT is PostgreSQL's fast shutdown: sent by us to stop it, by Linux if we die.
            cluster.foreground_command(parent_death_signal="INT"),
            ready=lambda process: cluster.accepts_connections(process.pid),
            port=cluster.port,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
            cwd=cluster.root,
            stdout=log,
            stop_signal=signal.SIGINT,
            death_signal=signal.SIGINT,
            stop_grace=POSTGRES_STOP_GRACE_SECONDS,
            layer=0,
        )
        supervisor.start(postgres, stops.stopping)
        admin = cluster.url("postgres", secrets_.superuser_password, "postgres", driver="postgresql")
        provision_sync(admin, DATABASE, secrets_.role_passwords, secrets_.owner_passwords)
        environments = app_environments(secrets_, "127.0.0.1", cluster.port, ports)
        for app in APPS:
            migrate(app, secrets_.owner_url(app, "127.0.0.1", cluster.port))
        _say("migrations: territories, grants, participation, gateway at head (as their owner roles)")
        territories_url = environments["territories"]["TERRITORIES_DATABASE_URL"]
        _say("reference data: " + asyncio.run(_import_reference(territories_url)))
        grants_url = environments["grants"]["GRANTS_DATABASE_URL"]
        _say("grants reference data: " + asyncio.run(_import_grants_reference(grants_url)))
        participation_url = environments["participation"]["PARTICIPATION_DATABASE_URL"]
        _say("participation demo (fictitious members): " + asyncio.run(_import_participation_demo(participation_url)))
        if arguments.national_qpv:
            _say(asyncio.run(_import_national_qpvs(territories_url)))
        for app in ("territories", "grants", "participation", "gateway"):
            service = Service(
                app,
                uvicorn_command(app, ports[app]),
                ready=_answers(f"http://127.0.0.1:{ports[app]}"),
                port=ports[app],
                # The data directory marks the apps of this stack (cli/leftovers.py tells them apart).
                env={**os.environ, **environments[app], DATA_DIR_VARIABLE: str(files.data_dir)},
                cwd=ROOT,
            )
            supervisor.start(service, stops.stopping)
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        _say("")
        _say(f"Gateway:  {gateway}")
        _say(f"API docs: {gateway}/api/docs")
        _say(f"Try:      curl '{gateway}/api/territories/qpvs?codeEpci=200033579'")
        _say(f"          curl '{gateway}/api/territories/communes?codeEpci=200033579&limit=100'")
        _say("A dev admin token: ./dev token --role platform_admin")
        _say("What runs: ./dev status. A process that exits is restarted. Ctrl-C stops everything.")
        stops.interrupting = False
        supervisor.watch(stops.stopping)
    except StopRequestedError:
        pass
    except (StartError, PortTakenError) as error:
        raise SystemExit(f"{error}: stopping") from error
    finally:
        stops.interrupting = False
        _say("stopping")
        supervisor.stop_all()
        files.state.unlink(missing_ok=True)
        lock.release()
        if log is not None:
            log.close()
        _say("stopped")


def command_status(_arguments: argparse.Namespace) -> None:
    """What the local stack runs: the supervisor, PostgreSQL and each app (pid, port, health, restarts).
    Exits with 0 when everything runs and answers, 1 otherwise."""
    files = StackFiles.current()
    state = files.read_state()
    if not supervisor_running(files):
        left = " (a state file is left from a run that ended abruptly: the next `./dev up` cleans up)" if state else ""
        _say(f"no stack runs from {files.data_dir}{left}")
        raise SystemExit(1)
    if state is None:
        _say(f"the stack of {files.data_dir} is starting")
        raise SystemExit(1)
    supervisor = state["supervisor"]
    _say(f"supervisor     pid {supervisor['pid']:<7} since {supervisor['since']}   data {state['data_dir']}")
    everything_up = True
    for name, entry in state["services"].items():
        pid, ticks = entry.get("pid"), entry.get("start_ticks")
        alive = bool(pid and ticks is not None and ProcessIdentity(int(pid), int(ticks)).alive())
        if not alive:
            health = "not running"
        elif name == "postgres":
            data_dir = Path(state["data_dir"]) / "pg" / "data"
            health = "accepting connections" if postmaster_accepts_connections(data_dir, int(pid)) else "not ready"
        else:
            health = "healthy" if _healthy(f"http://127.0.0.1:{entry['port']}") else "not answering"
        everything_up = everything_up and health in ("healthy", "accepting connections")
        last = f" (last exit: {entry['last_exit']})" if entry.get("last_exit") else ""
        _say(
            f"{name:<14} pid {pid or '-'!s:<7} port {entry['port']:<6} {entry['status']:<9} {health:<22}"
            f" restarts {entry['restarts']}{last}"
        )
    _say(f"API docs       http://127.0.0.1:{state['ports']['gateway']}/api/docs")
    if not everything_up:
        raise SystemExit(1)


def _stack_url(app: str, variable: str, *, owner: bool = False) -> str:
    """The URL of `app`'s runtime role (`owner`: of the role owning its schema) in the stack `./dev up`
    runs from this data directory, read from its state file (the port) and its secrets."""
    files = StackFiles.current()
    state = files.read_state()
    if not supervisor_running(files):
        raise SystemExit(
            f"set {variable}, or start the local stack with `./dev up` in another terminal first"
            f" (no stack runs from {files.data_dir})"
        )
    if state is None:
        raise SystemExit(f"the stack of {files.data_dir} is starting: try again when `./dev up` shows the gateway")
    secrets_ = StackSecrets.load_or_create(files.secrets)
    port = int(state["db_port"])
    return secrets_.owner_url(app, "127.0.0.1", port) if owner else secrets_.runtime_url(app, "127.0.0.1", port)


def _database_url(app: str) -> str:
    """The app's runtime role: `<APP>_DATABASE_URL`, or the running local stack's."""
    variable = f"{app.upper()}_DATABASE_URL"
    return os.environ.get(variable) or _stack_url(app, variable)


def _migration_url(app: str) -> str:
    """The role owning the app's schema: `<APP>_MIGRATION_DATABASE_URL`, or the running local stack's."""
    variable = f"{app.upper()}_MIGRATION_DATABASE_URL"
    if os.environ.get(variable):
        return os.environ[variable]
    if os.environ.get(f"{app.upper()}_DATABASE_URL"):
        # The user points at a database of their own: never migrate the local stack instead.
        raise SystemExit(
            f"set {variable} to the URL of {owner_role(app)}, which owns the schema:"
            f" {app.upper()}_DATABASE_URL is the app's runtime role, which cannot migrate"
        )
    return _stack_url(app, variable, owner=True)


def command_migrate(arguments: argparse.Namespace) -> None:
    """Migrate apps as their schema's owner role: `<APP>_MIGRATION_DATABASE_URL`, or the local stack's."""
    for app in arguments.apps or APPS:
        migrate(app, _migration_url(app))
        _say(f"{app}: at head")


def command_import_reference(_arguments: argparse.Namespace) -> None:
    if os.environ.get("TERRITORIES_DATABASE_URL"):
        # An external database: the grants reference and the participation demo only where asked.
        _say(asyncio.run(_import_reference(os.environ["TERRITORIES_DATABASE_URL"])))
        if os.environ.get("GRANTS_DATABASE_URL"):
            _say(asyncio.run(_import_grants_reference(os.environ["GRANTS_DATABASE_URL"])))
        if os.environ.get("PARTICIPATION_DATABASE_URL"):
            _say(asyncio.run(_import_participation_demo(os.environ["PARTICIPATION_DATABASE_URL"])))
        return
    _say(asyncio.run(_import_reference(_database_url("territories"))))
    _say(asyncio.run(_import_grants_reference(_database_url("grants"))))
    _say(asyncio.run(_import_participation_demo(_database_url("participation"))))


def command_import_qpv_national(arguments: argparse.Namespace) -> None:
    url = _database_url("territories")
    _say(asyncio.run(_import_national_qpvs(url, arguments.file, arguments.skip_refused)))


async def _import_filosofi(
    database_url: str, path: Path, vintage: int, communes: list[str], *, dry_run: bool, skip_bad_lines: bool
) -> str:
    from kit.auth.principal import Principal, Role
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork
    from services.territories.vulnerability.use_cases import fields_dictionary, import_squares

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
    url = _database_url("territories")
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
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork
    from services.territories.imports.use_cases import DATA_DIR, import_cog, read_cog_directory

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
    url = _database_url("territories")
    _say(asyncio.run(_import_cog(url, arguments.directory, arguments.population_year)))


def command_openapi(_arguments: argparse.Namespace) -> None:
    from cli.openapi_documents import write_documents

    for path in write_documents():
        _say(f"wrote {path.relative_to(ROOT)}")


async def _clients(arguments: argparse.Namespace) -> None:
    from gateway.use_cases import oauth_clients
    from kit.auth.principal import Principal, Role
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork

    engine = create_engine(_database_url("gateway"), "gateway", application_name="cli-clients")
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
            listed = await oauth_clients.list_clients(uow)
            if not listed:
                _say("no partner client yet: `./dev clients create cdq-name --name … --role … --scope …`")
            for row in listed:
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

    key = (
        os.environ.get("GATEWAY_SIGNING_KEY")
        or StackSecrets.load_or_create(StackFiles.current().secrets).signing_key_pem
    )
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
    up = commands.add_parser(
        "up", help="run the whole system locally on an embedded PostgreSQL, supervised (data in $CDQ_DATA_DIR or .data)"
    )
    up.add_argument("--port-base", type=int, default=DEFAULT_PORTS["gateway"])
    up.add_argument("--national-qpv", action="store_true", help="also load the 1,584 QPV 2024 of France")
    up.set_defaults(run=command_up)
    commands.add_parser("status", help="what `up` runs: pids, ports, health, restarts").set_defaults(run=command_status)
    migrate_parser = commands.add_parser(
        "migrate", help="migrate as the schema owners (<APP>_MIGRATION_DATABASE_URL, or the running local stack)"
    )
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
