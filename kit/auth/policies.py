"""Endpoint policies: every route declares one through `Depends(authorize(policy))`."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from fastapi.security import HTTPBearer
from starlette.types import Scope

from identity.principal import ANONYMOUS, Principal, Role
from kit.auth.tokens import InvalidTokenError, TokenVerifier
from kit.problems import ProblemError

BEARER_SCHEME = "HTTPBearer"
BEARER_DESCRIPTION = "A platform JWT or an OIDC access token"


@dataclass(frozen=True, slots=True)
class Policy:
    """Who may call: anonymous callers, or principals with all `scopes` and any of `roles`."""

    name: str
    anonymous: bool = False
    scopes: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[Role] = field(default_factory=frozenset)

    def describe(self) -> str:
        if self.anonymous:
            return "public"
        parts = []
        if self.scopes:
            parts.append("scopes: " + ", ".join(sorted(self.scopes)))
        if self.roles:
            parts.append("roles: " + ", ".join(sorted(role.value for role in self.roles)))
        return "; ".join(parts) or "any authenticated caller"


def public_policy(name: str = "public") -> Policy:
    return Policy(name=name, anonymous=True)


def unauthenticated(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "unauthenticated",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="coeur-de-quartier", error="invalid_token"'},
    )


# A token verified earlier in the same request (by the response cache) with the principal it gave.
VERIFIED_TOKEN = "verified_token"  # noqa: S105 - a state key, not a secret


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header's value; None for another scheme or no token."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def verified_principal(scope: Scope, token: str) -> Principal:
    """The principal `token` gives, verified once per request (kept in the request's state); raises
    InvalidTokenError."""
    state = scope.setdefault("state", {})
    verified = state.get(VERIFIED_TOKEN)
    if verified is not None and verified[0] == token:
        principal: Principal = verified[1]
        return principal
    verifier: TokenVerifier = scope["app"].state.token_verifier
    principal = await verifier.verify(token)
    state[VERIFIED_TOKEN] = (token, principal)
    return principal


async def bearer_principal(scope: Scope) -> Principal | None:
    """The principal of the request's valid bearer token, verified once per request; None without one."""
    tokens = [value for name, value in scope.get("headers", ()) if name == b"authorization"]
    token = bearer_token(tokens[0].decode("latin-1")) if len(tokens) == 1 else None
    if token is None:
        return None
    try:
        return await verified_principal(scope, token)
    except InvalidTokenError:
        return None


class Authorize(HTTPBearer):
    """FastAPI dependency enforcing one policy; resolves to the calling principal.

    It is the bearer security scheme itself (what OpenAPI declares and /api/docs' Authorize button fills)
    rather than a dependency on one: a route's request then solves one dependency for its caller, not two.
    """

    def __init__(self, policy: Policy) -> None:
        super().__init__(scheme_name=BEARER_SCHEME, description=BEARER_DESCRIPTION, auto_error=False)
        self.policy = policy

    # It answers the caller's principal, where HTTPBearer's own call answers the header's credentials.
    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        if self.policy.anonymous:
            return ANONYMOUS
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise unauthenticated("A bearer token is required.")
        try:
            principal = await verified_principal(request.scope, token)
        except InvalidTokenError as error:
            raise unauthenticated(str(error)) from error
        missing = self.policy.scopes - principal.scopes
        if missing:
            raise ProblemError(
                403,
                "forbidden",
                "Forbidden",
                "Missing scope: " + ", ".join(sorted(missing)),
                extra={"requiredScopes": sorted(self.policy.scopes)},
            )
        if self.policy.roles and not (principal.roles & self.policy.roles):
            raise ProblemError(
                403,
                "forbidden",
                "Forbidden",
                "This operation needs another role.",
                extra={"allowedRoles": sorted(role.value for role in self.policy.roles)},
            )
        return principal


class PublicAccess:
    """Dependency for public-by-nature endpoints: no token needed, the caller is anonymous."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    async def __call__(self) -> Principal:
        return ANONYMOUS


def authorize(policy: Policy) -> Authorize | PublicAccess:
    """The dependency enforcing `policy` (public policies skip the bearer scheme in OpenAPI)."""
    return PublicAccess(policy) if policy.anonymous else Authorize(policy)
