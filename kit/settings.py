"""Settings base shared by every app: read from the environment, no default secrets."""

from __future__ import annotations

from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_WEAK_PASSWORDS = {"", "postgres", "password", "changeme", "secret", "admin"}


class AuthSettings(BaseSettings):
    """Who the app trusts to sign tokens: the platform's own issuer and, optionally, an OIDC issuer."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    auth_issuer: str = Field(description="Issuer (iss) of the platform's own tokens, minted by the gateway")
    auth_audience: str = Field(default="coeur-de-quartier", description="Audience (aud) every token must carry")
    auth_jwks: str | None = Field(default=None, description="The platform issuer's public JWKS, inline JSON")
    auth_jwks_url: str | None = Field(default=None, description="Or where to fetch that JWKS")
    oidc_issuer: str | None = Field(default=None, description="External OpenID Connect issuer for web users")
    oidc_jwks_url: str | None = Field(default=None, description="JWKS of the OIDC issuer")
    oidc_audience: str | None = Field(default=None, description="Audience expected in OIDC tokens")
    oidc_claim: str = Field(default="cdq", description="Claim holding roles, institution and bindings")

    @model_validator(mode="after")
    def _one_key_source(self) -> Self:
        if not self.auth_jwks and not self.auth_jwks_url:
            raise ValueError("set auth_jwks or auth_jwks_url: tokens cannot be verified without keys")
        if self.oidc_issuer and not self.oidc_jwks_url:
            raise ValueError("oidc_issuer needs oidc_jwks_url")
        return self


class ServiceSettings(AuthSettings):
    """Settings of one service app; subclasses add an env prefix such as GRANTS_."""

    environment: Literal["development", "test", "production"] = "production"
    database_url: SecretStr = Field(
        description="postgresql+asyncpg://role:password@host:port/db for the service's own role"
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes serving the app on one machine (uvicorn --workers, read by `./dev up`); each holds "
        "its own pool of db_pool_size connections and one change-feed connection",
    )
    db_pool_size: int = Field(
        default=20,
        ge=1,
        le=100,
        description="Connections of each process; not behind a pooler, half of them serve reading units' compiled "
        "statements, each planned once per connection (kit/service_app.py)",
    )
    database_pooler: Literal["none", "pgbouncer"] = Field(
        default="none",
        description="`pgbouncer` when database_url points at PgBouncer in transaction mode: no prepared statement "
        "outlives its transaction then (the change feed's LISTEN needs database_direct_url)",
    )
    database_direct_url: SecretStr | None = Field(
        default=None,
        description="Behind a pooler: PostgreSQL itself, for what needs a session (LISTEN of the change feed)",
    )
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    concurrent_requests: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="Requests one process serves at once; the others wait their turn, first come first served "
        "(kit/admission.py): a write's round trips then queue behind a few requests, not behind all of them",
    )
    request_queue_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How long a request waits for its turn before a 503 with Retry-After (keep it under the "
        "gateway's deadline)",
    )
    # One stuck row or query must not hold the service: a statement waits at most this long for each lock
    # (a writer queued behind another waits for two in turn), and runs at most this long. Keep twice the
    # first, and the second, below the gateway's deadline (15 s by default), so that the client gets the
    # service's own 503 rather than a 504. Long operations run as jobs, with their own bound.
    db_lock_timeout_ms: int = Field(default=3_000, ge=0, le=600_000)
    db_statement_timeout_ms: int = Field(default=10_000, ge=0, le=3_600_000)
    db_idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=0, le=3_600_000)
    db_job_statement_timeout_ms: int = Field(default=600_000, ge=0, le=86_400_000)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    event_retention_days: int = Field(
        default=90, ge=2, le=3650, description="Events are kept this long, then purged (kit/event_retention.py)"
    )
    docs_enabled: bool = True
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _no_weak_database_password(self) -> Self:
        password = urlsplit(self.database_url.get_secret_value()).password or ""
        if self.environment == "production" and password.lower() in _WEAK_PASSWORDS:
            raise ValueError("database_url carries a default or empty password")
        if self.database_pooler == "pgbouncer" and self.database_direct_url is None:
            raise ValueError("database_pooler pgbouncer needs database_direct_url (the change feed's LISTEN)")
        return self
