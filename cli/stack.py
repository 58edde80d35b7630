"""The local stack: its secrets, the environment of each app, the reference data load."""

from __future__ import annotations

import json
import secrets
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from cli.provisioning import APPS, DATABASE
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
    superuser_password: str
    role_passwords: dict[str, str]
    signing_key_pem: str

    @classmethod
    def generate(cls) -> StackSecrets:
        return cls(
            superuser_password=secrets.token_urlsafe(24),
            role_passwords={app: secrets.token_urlsafe(24) for app in APPS},
            signing_key_pem=generate_signing_key_pem(),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> StackSecrets:
        if path.exists():
            return cls(**json.loads(path.read_text()))
        created = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(created)))
        path.chmod(0o600)
        return created


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
            prefix + "DATABASE_URL": database_url(db_host, db_port, app, secrets_.role_passwords[app]),
            prefix + "AUTH_ISSUER": ISSUER,
            prefix + "AUTH_AUDIENCE": AUDIENCE,
            prefix + "AUTH_JWKS": jwks,
        }
        if app != "territories":
            env[prefix + "TERRITORIES_URL"] = urls["territories"]
        environments[app] = env
    environments["gateway"] = {
        "GATEWAY_ENVIRONMENT": environment,
        "GATEWAY_DATABASE_URL": database_url(db_host, db_port, "gateway", secrets_.role_passwords["gateway"]),
        "GATEWAY_SIGNING_KEY": secrets_.signing_key_pem,
        "GATEWAY_ISSUER": ISSUER,
        "GATEWAY_AUDIENCE": AUDIENCE,
        "GATEWAY_TERRITORIES_URL": urls["territories"],
        "GATEWAY_GRANTS_URL": urls["grants"],
        "GATEWAY_PARTICIPATION_URL": urls["participation"],
        "GATEWAY_CORS_ORIGINS": json.dumps(cors_origins or ["http://localhost:5173"]),
    }
    return environments


def uvicorn_command(app: str, port: int) -> list[str]:
    """How every local run serves an app: one uvicorn worker on loopback, uvloop and httptools (for the
    gateway, the edge, httptools with a request head deadline: see gateway/edge.py)."""
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
    ]
