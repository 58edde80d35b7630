"""docker-compose.yml cannot run here: check that every app, port and variable it names exists in the code,
that it carries no default secret, and run its PostgreSQL bootstrap script against a real cluster."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml
from pydantic_settings import BaseSettings

from cli.embedded_postgres import EmbeddedPostgres
from cli.provisioning import APPS, DATABASE, owner_role
from cli.stack import edge_options
from gateway.settings import GatewaySettings
from services.grants.settings import GrantsSettings
from services.participation.settings import ParticipationSettings
from services.territories.settings import TerritoriesSettings
from tests.running_stack import RunningStack
from tests.schema_privileges import make_it_old, model_violations, schema_privileges

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SETTINGS: dict[str, type[BaseSettings]] = {
    "TERRITORIES_": TerritoriesSettings,
    "GRANTS_": GrantsSettings,
    "PARTICIPATION_": ParticipationSettings,
    "GATEWAY_": GatewaySettings,
}
SECRET_WORDS = ("PASSWORD", "SECRET", "SIGNING_KEY")


def _command_option(command: list[str], option: str) -> str:
    return command[command.index(option) + 1]


def test_every_app_runs_with_a_healthcheck() -> None:
    apps = {name for name, service in SERVICES.items() if "uvicorn" in service.get("command", [])}
    assert apps == {"territories", "grants", "participation", "gateway"}
    for name in apps:
        service = SERVICES[name]
        module_name, attribute = _command_option(service["command"], "--factory").split(":")
        assert callable(getattr(importlib.import_module(module_name), attribute))
        port = _command_option(service["command"], "--port")
        assert f"127.0.0.1:{port}/healthz" in " ".join(service["healthcheck"]["test"])


def test_apps_have_the_local_servers_connection_timeouts() -> None:
    """The keep-alive must outlast the clients' idle connections in production as it does locally."""
    options = edge_options()
    wanted = dict(zip(options[::2], options[1::2], strict=True))
    for name, service in SERVICES.items():
        if "uvicorn" in service.get("command", []):
            assert {option: _command_option(service["command"], option) for option in wanted} == wanted, name


def test_urls_between_apps_point_at_their_ports() -> None:
    ports = {
        name: _command_option(service["command"], "--port")
        for name, service in SERVICES.items()
        if "uvicorn" in service.get("command", [])
    }
    for service in SERVICES.values():
        for value in (service.get("environment") or {}).values():
            for host, port in re.findall(r"http://([a-z]+):(\d+)", str(value)):
                assert ports[host] == port, (host, port)


def _migrated_app(service: dict[str, Any]) -> str | None:
    command = service.get("command", [])
    return str(command[-1]) if command[:4] == ["python", "-m", "cli", "migrate"] else None


def test_every_variable_is_a_setting_of_the_app() -> None:
    for name, service in SERVICES.items():
        if name == "postgres":
            continue
        for variable in service.get("environment") or {}:
            if _migrated_app(service) and variable.endswith("_MIGRATION_DATABASE_URL"):
                continue  # read by kit/migration_env.py, not by the app: see the next test
            prefix = next(prefix for prefix in SETTINGS if variable.startswith(prefix))
            field = variable[len(prefix) :].lower()
            assert field in SETTINGS[prefix].model_fields, (name, variable)


def test_migration_jobs_connect_as_the_owners_and_everything_else_as_the_runtime_roles() -> None:
    for name, service in SERVICES.items():
        if name == "postgres":
            continue
        environment = {variable: str(value) for variable, value in (service.get("environment") or {}).items()}
        found_logins = {
            variable: re.findall(r"://([a-z_]+):\$\{([A-Z_]+):\?\}@", value) for variable, value in environment.items()
        }
        logins = {variable: found for variable, found in found_logins.items() if found}  # a key is no login
        app = _migrated_app(service)
        if app:
            prefix = app.upper()
            assert logins == {f"{prefix}_MIGRATION_DATABASE_URL": [(f"{app}_owner", f"{prefix}_OWNER_DB_PASSWORD")]}
            continue
        for variable, found in logins.items():
            for user, password in found:
                assert user in APPS, (name, variable)
                assert (password, variable) == (f"{user.upper()}_DB_PASSWORD", f"{user.upper()}_DATABASE_URL")
        assert not any("OWNER" in value or "_owner" in value for value in environment.values()), name


def test_postgres_passes_the_bootstrap_script_what_it_reads() -> None:
    script = (ROOT / "deploy" / "postgres-bootstrap.sh").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?\}", script))
    given = set(SERVICES["postgres"]["environment"]) - {"POSTGRES_USER", "POSTGRES_PASSWORD"}
    passwords = {f"{app.upper()}_DB_PASSWORD" for app in APPS} | {f"{app.upper()}_OWNER_DB_PASSWORD" for app in APPS}
    assert required == given == passwords


def test_migration_jobs_cover_every_app() -> None:
    migrated = {_migrated_app(service) for service in SERVICES.values()} - {None}
    assert migrated == set(APPS)


def test_no_default_secrets() -> None:
    for name, service in SERVICES.items():
        for variable, value in (service.get("environment") or {}).items():
            text = str(value)
            if any(word in variable for word in SECRET_WORDS):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", text), (name, variable)
            for password in re.findall(r"://[a-z]+:([^@]+)@", text):
                assert re.fullmatch(r"\$\{[A-Z_]+_DB_PASSWORD:\?[^}]*\}", password), (name, variable)


@dataclass(frozen=True)
class Bootstrapped:
    cluster: EmbeddedPostgres
    passwords: dict[str, str]
    owner_passwords: dict[str, str]

    def url(self, role: str, password: str, driver: str = "postgresql") -> str:
        return self.cluster.url(role, password, DATABASE, driver=driver)

    def runtime(self, app: str) -> str:
        return self.url(app, self.passwords[app])

    def owner(self, app: str) -> str:
        return self.url(owner_role(app), self.owner_passwords[app])

    def run_bootstrap(self) -> None:
        env = {
            **os.environ,
            "PATH": f"{self.cluster.bin_dir}:{os.environ['PATH']}",
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.cluster.port),
            "PGPASSWORD": self.cluster.superuser_password,
            "POSTGRES_USER": "postgres",
            **{f"{app.upper()}_DB_PASSWORD": password for app, password in self.passwords.items()},
            **{f"{app.upper()}_OWNER_DB_PASSWORD": password for app, password in self.owner_passwords.items()},
        }
        result = subprocess.run(
            ["bash", str(ROOT / "deploy" / "postgres-bootstrap.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    def migrate_as_the_jobs_do(self) -> None:
        """`python -m cli migrate` with what compose gives a migration job: the owner's URL only."""
        env = {
            **{name: value for name, value in os.environ.items() if "DATABASE_URL" not in name},
            "PYTHONPATH": str(ROOT),
            "CDQ_DATA_DIR": str(self.cluster.root.parent / "no-stack"),
            **{
                f"{app.upper()}_MIGRATION_DATABASE_URL": self.url(
                    owner_role(app), self.owner_passwords[app], "postgresql+asyncpg"
                )
                for app in APPS
            },
        }
        result = subprocess.run(
            [sys.executable, "-m", "cli", "migrate"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [f"{app}: at head" for app in APPS]

    async def privileges(self) -> dict[str, Any]:
        connection = await asyncpg.connect(self.url("postgres", self.cluster.superuser_password))
        try:
            return {app: await schema_privileges(connection, app) for app in APPS}
        finally:
            await connection.close()


@pytest.fixture(scope="module")
def bootstrapped() -> Iterator[Bootstrapped]:
    """A cluster bootstrapped by the script, then migrated by the migration jobs' command."""
    parent = Path(tempfile.mkdtemp(prefix="cdq-compose-pg-"))
    parent.chmod(0o711)
    cluster = EmbeddedPostgres(root=parent / "pg", superuser_password=secrets.token_urlsafe(16), durable=False)
    cluster.start()
    try:
        done = Bootstrapped(
            cluster,
            {app: secrets.token_urlsafe(16) for app in APPS},
            {app: secrets.token_urlsafe(16) for app in APPS},
        )
        done.run_bootstrap()
        done.migrate_as_the_jobs_do()
        yield done
    finally:
        cluster.stop()
        shutil.rmtree(parent, ignore_errors=True)


async def test_each_owner_creates_only_in_its_schema_and_the_runtime_role_nowhere(bootstrapped: Bootstrapped) -> None:
    for app in APPS:
        other = next(candidate for candidate in APPS if candidate != app)
        owner = await asyncpg.connect(bootstrapped.owner(app))
        runtime = await asyncpg.connect(bootstrapped.runtime(app))
        try:
            async with owner.transaction():
                await owner.execute(f'CREATE TABLE "{app}".probe (id int)')
                await owner.execute(f'DROP TABLE "{app}".probe')
            for connection, schema in ((owner, other), (owner, "public"), (runtime, app), (runtime, "public")):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(f'CREATE TABLE "{schema}".intruder (id int)')
        finally:
            await owner.close()
            await runtime.close()


async def test_bootstrap_and_migration_jobs_give_the_same_privileges_as_the_provisioning(
    bootstrapped: Bootstrapped, stack: RunningStack
) -> None:
    """The compose path (bootstrap script, then `cli migrate` as the owners) and the local one
    (cli/provisioning.py, as `./dev up` and the tests run) end in the same catalog."""
    provisioned = await asyncpg.connect(stack.admin_dsn())
    try:
        expected = {app: await schema_privileges(provisioned, app) for app in APPS}
    finally:
        await provisioned.close()
    found = await bootstrapped.privileges()
    assert {app: model_violations(found[app], app) for app in APPS} == {app: [] for app in APPS}
    assert found == expected


async def test_running_the_bootstrap_again_upgrades_an_older_volume(bootstrapped: Bootstrapped) -> None:
    before = await bootstrapped.privileges()
    await make_it_old(bootstrapped.url("postgres", bootstrapped.cluster.superuser_password))
    old = await bootstrapped.privileges()
    assert {app: old[app]["schema"]["owner"] for app in APPS} == {app: app for app in APPS}
    runtime = await asyncpg.connect(bootstrapped.runtime("grants"))
    transaction = runtime.transaction()
    await transaction.start()
    try:
        # The hole being closed: the service's role could silence its own audit log.
        await runtime.execute("ALTER TABLE grants.audit_events DISABLE TRIGGER USER")
        await runtime.execute("DELETE FROM grants.audit_events")
    finally:
        await transaction.rollback()
        await runtime.close()
    bootstrapped.run_bootstrap()
    assert await bootstrapped.privileges() == before
    bootstrapped.migrate_as_the_jobs_do()
    assert await bootstrapped.privileges() == before


def test_nginx_is_the_edge_of_replicated_apps() -> None:
    """Only nginx publishes a port; it forwards to the gateway's port with the client's address, which the
    gateway trusts; each app runs two replicas at least."""
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"nginx"}
    config = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    mounted = SERVICES["nginx"]["volumes"][0].split(":")
    assert mounted[0] == "./deploy/nginx.conf"
    gateway_port = _command_option(SERVICES["gateway"]["command"], "--port")
    assert f"server gateway:{gateway_port};" in config
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config
    listen = re.search(r"listen (\d+);", config)
    assert listen is not None
    assert SERVICES["nginx"]["ports"] == [f"{gateway_port}:{listen.group(1)}"]
    assert "--proxy-headers" in SERVICES["gateway"]["command"]
    for name in ("territories", "grants", "participation", "gateway"):
        assert SERVICES[name]["deploy"]["replicas"] >= 2, name
