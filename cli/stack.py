"""The local stack: its secrets, the environment of each app, the reference data load."""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cli.provisioning import APPS, DATABASE, owner_role
from gateway.webhooks.sealing import new_key
from kit.auth.tokens import generate_signing_key_pem, public_jwks

APP_TARGETS = {
    "territories": "services.territories.app:create_app",
    "grants": "services.grants.app:create_app",
    "participation": "services.participation.app:create_app",
    "gateway": "gateway.app:create_app",
}
ISSUER = "https://coeur-de-quartier.local/gateway"
AUDIENCE = "coeur-de-quartier"
DEFAULT_PORTS = {"gateway": 8000, "territories": 8001, "grants": 8002, "participation": 8003}


@dataclass(frozen=True)
class StackSecrets:
    """The local stack's generated secrets: `role_passwords` are the runtime roles' (the apps' URLs),
    `owner_passwords` the schema owners' (migrations and maintenance only)."""

    superuser_password: str
    role_passwords: dict[str, str]
    signing_key_pem: str
    owner_passwords: dict[str, str]
    webhook_secrets_key: str  # seals the webhook secrets in the gateway's database (gateway/webhooks/sealing.py)

    @classmethod
    def generate(cls) -> StackSecrets:
        return cls(
            superuser_password=secrets.token_urlsafe(24),
            role_passwords={app: secrets.token_urlsafe(24) for app in APPS},
            signing_key_pem=generate_signing_key_pem(),
            owner_passwords={app: secrets.token_urlsafe(24) for app in APPS},
            webhook_secrets_key=new_key(),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> StackSecrets:
        """The secrets kept in `path`, created on first use. A file written before the owner roles (or the
        webhook secrets' key) existed gets them added in place; every other secret is kept."""
        if not path.exists():
            created = cls.generate()
            _write_private(path, asdict(created))
            return created
        stored: dict[str, Any] = json.loads(path.read_text())
        owners = dict(stored.get("owner_passwords") or {})
        missing = [app for app in APPS if app not in owners]
        keyless = "webhook_secrets_key" not in stored
        if missing:
            owners.update({app: secrets.token_urlsafe(24) for app in missing})
            stored["owner_passwords"] = owners
        if keyless:
            stored["webhook_secrets_key"] = new_key()
        if missing or keyless:
            _write_private(path, stored)
        return cls(**stored)

    def runtime_url(self, app: str, host: str, port: int) -> str:
        """The URL the app itself uses: its runtime role."""
        return database_url(host, port, app, self.role_passwords[app])

    def owner_url(self, app: str, host: str, port: int) -> str:
        """The URL of the role owning the app's schema: migrations, VACUUM, anything that needs ownership."""
        return database_url(host, port, owner_role(app), self.owner_passwords[app])


def _write_private(path: Path, content: dict[str, Any]) -> None:
    """Written readable by its owner only from the first byte (no chmod after the fact), then renamed over
    the old file so that a crash leaves either version, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(json.dumps(content))
    partial.replace(path)


def database_url(host: str, port: int, role: str, password: str) -> str:
    return f"postgresql+asyncpg://{role}:{password}@{host}:{port}/{DATABASE}"


def app_environments(
    secrets_: StackSecrets,
    db_host: str,
    db_port: int,
    ports: dict[str, int],
    environment: str = "development",
    cors_origins: list[str] | None = None,
) -> dict[str, dict[str, str]]:
    """The environment variables each app process reads."""
    jwks = json.dumps(public_jwks([secrets_.signing_key_pem]))
    urls = {app: f"http://127.0.0.1:{port}" for app, port in ports.items()}
    environments: dict[str, dict[str, str]] = {}
    for app in ("territories", "grants", "participation"):
        prefix = app.upper() + "_"
        env = {
            prefix + "ENVIRONMENT": environment,
            prefix + "DATABASE_URL": secrets_.runtime_url(app, db_host, db_port),
            prefix + "AUTH_ISSUER": ISSUER,
            prefix + "AUTH_AUDIENCE": AUDIENCE,
            prefix + "AUTH_JWKS": jwks,
        }
        if app != "territories":
            env[prefix + "TERRITORIES_URL"] = urls["territories"]
        environments[app] = env
    environments["gateway"] = {
        "GATEWAY_ENVIRONMENT": environment,
        "GATEWAY_DATABASE_URL": secrets_.runtime_url("gateway", db_host, db_port),
        "GATEWAY_SIGNING_KEY": secrets_.signing_key_pem,
        "GATEWAY_WEBHOOK_SECRETS_KEY": secrets_.webhook_secrets_key,
        "GATEWAY_ISSUER": ISSUER,
        "GATEWAY_AUDIENCE": AUDIENCE,
        "GATEWAY_TERRITORIES_URL": urls["territories"],
        "GATEWAY_GRANTS_URL": urls["grants"],
        "GATEWAY_PARTICIPATION_URL": urls["participation"],
        "GATEWAY_CORS_ORIGINS": json.dumps(cors_origins or ["http://localhost:5173"]),
    }
    if environment != "production":  # a receiver on this machine (http://127.0.0.1:…) for trying webhooks
        environments["gateway"]["GATEWAY_WEBHOOK_ALLOW_LOCAL_TARGETS"] = "true"
    return environments


# Idle keep-alive connections are closed by the server after this long. Our clients keep idle connections
# for up to 30 s (service-to-service calls, kit/http_client.py; the gateway's upstream pools 4 s,
# GATEWAY_UPSTREAM_KEEPALIVE_SECONDS): a server closing first (uvicorn's default is 5 s) races a client
# reusing the connection at that instant, and the request is lost with a reset. Outlasting the clients'
# 30 s lets them close first.
KEEP_ALIVE_SECONDS = 35
# On SIGTERM (the supervisor, a parent-death signal, `docker stop`), requests in flight get this long to
# finish before the connections are closed: under the supervisor's grace before SIGKILL (cli/supervisor.py)
# and docker's 10 s, so a process stopped always exits by itself, its lifespan shutdown run.
GRACEFUL_SHUTDOWN_SECONDS = 5


def uvicorn_command(
    app: str, port: int, *, workers: int = 1, http: str | None = None, extra: Sequence[str] = ()
) -> list[str]:
    """How every local run serves an app: on loopback, uvloop, `workers` processes sharing the port
    (uvicorn's --workers: a manager process restarts any that dies); `http` is uvicorn's `--http` (a
    protocol name or a class path: httptools, and for the gateway, the edge, httptools with request head
    limits, gateway/edge.py), `extra` more uvicorn options."""
    if http is None:
        http = "gateway.edge:EdgeHttpToolsProtocol" if app == "gateway" else "httptools"
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        APP_TARGETS[app],
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--loop",
        "uvloop",
        "--http",
        http,
        *(["--workers", str(workers)] if workers > 1 else []),
        *edge_options(),
        *extra,
    ]


def workers_of(app: str, environment: Mapping[str, str], chosen: int | None = None) -> int:
    """How many processes serve `app`: `chosen` (`./dev up --workers N`), else its `<APP>_WORKERS`
    setting (TERRITORIES_WORKERS, GRANTS_WORKERS, PARTICIPATION_WORKERS, GATEWAY_WORKERS), else one."""
    if chosen is not None:
        return chosen
    value = environment.get(app.upper() + "_WORKERS", "1")
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise SystemExit(f"{app.upper()}_WORKERS must be a whole number from 1 to 64, not {value!r}")
    return int(value)


def edge_options() -> list[str]:
    """uvicorn's connection timeouts, the same for the local servers and docker-compose.yml."""
    return [
        "--timeout-keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "--timeout-graceful-shutdown",
        str(GRACEFUL_SHUTDOWN_SECONDS),
    ]
