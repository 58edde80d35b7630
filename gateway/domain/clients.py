"""Partner clients: identifiers, secrets stored as hashes, scopes they may ask for."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Collection

CLIENT_ID = re.compile(r"^cdq-[a-z0-9-]{3,60}$")
_HASH_SCHEME = "sha256$"


class ClientError(Exception):
    """Base of the gateway's client rules."""


class InvalidClientError(ClientError):
    """Unknown client, wrong secret or revoked: one answer for all three (RFC 6749 invalid_client)."""


class InvalidScopeError(ClientError):
    """The client asked for a scope it was not granted."""


class ClientNotFoundError(ClientError):
    """No client of that id (or a revoked one, for a rotation)."""


class ClientExistsError(ClientError):
    """A client id is registered once: a lost secret is replaced by a rotation, not a second registration."""


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits, not a password: a fast hash resists brute force by itself.
    return _HASH_SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def granted_scopes(requested: str | None, allowed: Collection[str]) -> list[str]:
    """Scopes for a token: the requested ones if all are allowed, all allowed ones if none asked."""
    if requested is None or not requested.strip():
        return sorted(allowed)
    asked = set(requested.split())
    if not asked <= set(allowed):
        raise InvalidScopeError(" ".join(sorted(asked - set(allowed))))
    return sorted(asked)
