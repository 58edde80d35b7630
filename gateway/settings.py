from __future__ import annotations

from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.webhooks.sealing import SecretBox

SCHEMA = "gateway"
_WEAK_PASSWORDS = {"", "postgres", "password", "changeme", "secret", "admin"}


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "production"
    database_url: SecretStr = Field(description="postgresql+asyncpg URL of the gateway's own role")
    signing_key: SecretStr = Field(description="Ed25519 private key (PKCS#8 PEM) signing platform tokens")
    previous_signing_keys: list[SecretStr] = Field(
        default_factory=list, description="Retired keys still published in the JWKS until their tokens expire"
    )
    webhook_secrets_key: SecretStr = Field(
        description="Fernet key (32 url-safe base64 bytes) sealing the webhook secrets kept in the database"
    )
    previous_webhook_secrets_keys: list[SecretStr] = Field(
        default_factory=list, description="Retired keys still opening the secrets they sealed (reseal, then remove)"
    )
    issuer: str = Field(description="iss of the tokens this gateway mints")
    audience: str = "coeur-de-quartier"
    token_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    territories_url: str
    grants_url: str
    participation_url: str
    cors_origins: list[str] = Field(default_factory=list, description="Origins of the web front end")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    larger_body_limits: dict[str, int] = Field(
        default_factory=lambda: {
            "/api/territories/localisation/batch": 16 * 1_048_576,
            "/api/territories/filosofi-squares/imports": 64 * 1_048_576,
            "/api/territories/indicator-values/imports": 16 * 1_048_576,
            "/api/participation/bodies/*/draws": 16 * 1_048_576,
            "/api/grants/decision-imports": 16 * 1_048_576,
            "/api/grants/request-imports": 16 * 1_048_576,
            "/api/grants/applications/*/activity-report/located-beneficiaries": 16 * 1_048_576,
        },
        description="Paths allowed bigger bodies than max_body_bytes (batch uploads)",
    )
    upstream_connect_timeout: float = Field(default=1.0, gt=0, le=30)
    upstream_read_timeout: float = Field(default=10.0, gt=0, le=300)
    upstream_deadline_seconds: float = Field(default=15.0, gt=0, le=600)
    larger_deadlines: dict[str, Annotated[float, Field(gt=0, le=3600)]] = Field(
        default_factory=lambda: {
            "/api/territories/filosofi-squares/imports": 120.0,
            "/api/territories/indicator-values/imports": 120.0,
            "/api/territories/vulnerability-computations": 120.0,
            "/api/grants/decision-imports": 120.0,
            "/api/grants/request-imports": 120.0,
            "/api/grants/programmation-exports": 120.0,
            # Paths allowed big bodies (larger_body_limits) answer in their request: their time grows with it.
            "/api/territories/localisation/batch": 60.0,
            "/api/participation/bodies/*/draws": 60.0,
            "/api/grants/applications/*/activity-report/located-beneficiaries": 60.0,
        },
        description="Paths whose answer may take longer than upstream_deadline_seconds (it is also their read timeout)",
    )
    upstream_max_connections: int = Field(
        default=100, ge=1, le=10_000, description="Connections to each service (one pool per service: a bulkhead)"
    )
    upstream_pool_timeout: float = Field(
        default=1.0, gt=0, le=30, description="Wait for a free connection to a service before answering 503"
    )
    upstream_keepalive_seconds: float = Field(
        default=4.0,
        gt=0,
        le=300,
        description="Idle connections to a service are closed after this; keep it below the service's own keep-alive "
        "(uvicorn: 5 s) so that a request is never written to a connection the service is closing",
    )
    client_header_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="A request head must arrive whole within this (else 408 and close)"
    )
    client_header_max_bytes: int = Field(
        default=65_536, ge=4096, le=1_048_576, description="Largest request head (request line and headers; else 431)"
    )
    client_body_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Longest wait for the next part of a request body (else 408)"
    )
    client_body_min_bytes_per_second: int = Field(
        default=8192,
        ge=1,
        description="A body may take client_body_timeout_seconds plus one second per this many bytes (else 408)",
    )
    token_requests_per_minute: int = Field(default=60, ge=1)
    oidc_issuer: str | None = None
    oidc_jwks_url: str | None = None
    oidc_audience: str | None = None
    oidc_claim: str = "cdq"
    webhook_allow_local_targets: bool = Field(
        default=False,
        description="Local development and tests only: webhook targets may be loopback addresses, and plain "
        "http for those only (never private, link-local or metadata ones); refused in production",
    )
    docs_enabled: bool = True
    log_level: str = "INFO"
    db_pool_size: int = Field(default=5, ge=1, le=100)
    review_chromium: str = Field(
        default="/usr/bin/chromium", description="Headless Chromium that prints the annual review as PDF"
    )
    workers: int = Field(
        default=1, ge=1, le=64, description="Processes serving the gateway on one machine (uvicorn --workers)"
    )
    database_pooler: Literal["none", "pgbouncer"] = Field(
        default="none", description="`pgbouncer` when database_url points at PgBouncer in transaction mode"
    )

    @model_validator(mode="after")
    def _no_weak_secrets(self) -> Self:
        password = urlsplit(self.database_url.get_secret_value()).password or ""
        if self.environment == "production" and password.lower() in _WEAK_PASSWORDS:
            raise ValueError("database_url carries a default or empty password")
        if "PRIVATE KEY" not in self.signing_key.get_secret_value():
            raise ValueError("signing_key must be a PEM private key")
        try:
            self.secret_box()
        except ValueError as error:
            raise ValueError("webhook_secrets_key must be a Fernet key (32 url-safe base64 bytes)") from error
        if self.environment == "production" and self.webhook_allow_local_targets:
            raise ValueError("webhook_allow_local_targets is for development and tests only")
        if self.oidc_issuer and not self.oidc_jwks_url:
            raise ValueError("oidc_issuer needs oidc_jwks_url")
        return self

    def secret_box(self) -> SecretBox:
        return SecretBox(
            self.webhook_secrets_key.get_secret_value(),
            [key.get_secret_value() for key in self.previous_webhook_secrets_keys],
        )

    def upstreams(self) -> dict[str, str]:
        return {
            "territories": self.territories_url,
            "grants": self.grants_url,
            "participation": self.participation_url,
        }
