"""docker-compose.yml cannot run here: check that every app, port and variable it names exists in the code,
that it carries no default secret, and run its PostgreSQL bootstrap script against a real cluster."""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml
from pydantic_settings import BaseSettings

from cli.provisioning import APPS
from gateway.settings import GatewaySettings
from kit.embedded_postgres import EmbeddedPostgres
from services.grants.settings import GrantsSettings
from services.participation.settings import ParticipationSettings
from services.territories.settings import TerritoriesSettings

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


def test_every_variable_is_a_setting_of_the_app() -> None:
    for name, service in SERVICES.items():
        if name == "postgres":
            continue
        for variable in service.get("environment") or {}:
            prefix = next(prefix for prefix in SETTINGS if variable.startswith(prefix))
            field = variable[len(prefix) :].lower()
            assert field in SETTINGS[prefix].model_fields, (name, variable)


def test_postgres_passes_the_bootstrap_script_what_it_reads() -> None:
    script = (ROOT / "deploy" / "postgres-bootstrap.sh").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?\}", script))
    given = set(SERVICES["postgres"]["environment"]) - {"POSTGRES_USER", "POSTGRES_PASSWORD"}
    assert required == given == {f"{app.upper()}_DB_PASSWORD" for app in APPS}


def test_migration_jobs_cover_every_app() -> None:
    migrated = {
        service["command"][-1]
        for service in SERVICES.values()
        if service.get("command", [])[:4] == ["python", "-m", "cli", "migrate"]
    }
    assert migrated == set(APPS)


def test_no_default_secrets() -> None:
    for name, service in SERVICES.items():
        for variable, value in (service.get("environment") or {}).items():
            text = str(value)
            if any(word in variable for word in SECRET_WORDS):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", text), (name, variable)
            for password in re.findall(r"://[a-z]+:([^@]+)@", text):
                assert re.fullmatch(r"\$\{[A-Z_]+_DB_PASSWORD:\?[^}]*\}", password), (name, variable)


@pytest.fixture(scope="module")
def bootstrapped() -> Any:
    parent = Path(tempfile.mkdtemp(prefix="cdq-compose-pg-"))
    parent.chmod(0o711)
    cluster = EmbeddedPostgres(root=parent / "pg", superuser_password=secrets.token_urlsafe(16), durable=False)
    cluster.start()
    passwords = {app: secrets.token_urlsafe(16) for app in APPS}
    env = {
        **os.environ,
        "PATH": f"{cluster.bin_dir}:{os.environ['PATH']}",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(cluster.port),
        "PGPASSWORD": cluster.superuser_password,
        "POSTGRES_USER": "postgres",
        **{f"{app.upper()}_DB_PASSWORD": password for app, password in passwords.items()},
    }
    try:
        result = subprocess.run(
            ["bash", str(ROOT / "deploy" / "postgres-bootstrap.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        yield cluster, passwords
    finally:
        cluster.stop()


async def test_bootstrap_gives_each_role_only_its_schema(bootstrapped: Any) -> None:
    cluster, passwords = bootstrapped
    for app in APPS:
        connection = await asyncpg.connect(cluster.url(app, passwords[app], "coeur_de_quartier", driver="postgresql"))
        try:
            owner = await connection.fetchval(
                "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1", app
            )
            assert owner == app
            await connection.execute(f'CREATE TABLE "{app}".probe (id int)')
            other = next(candidate for candidate in APPS if candidate != app)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(f'CREATE TABLE "{other}".intruder (id int)')
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute("CREATE TABLE public.intruder (id int)")
        finally:
            await connection.close()
    await asyncio.sleep(0)
