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


async def bearer_principal(scope: Scope) -> Principal | None:
    """The principal of the request's valid bearer token, verified once per request; None without one."""
    state = scope.setdefault("state", {})
    tokens = [value for name, value in scope.get("headers", ()) if name == b"authorization"]
    if len(tokens) != 1:
        return None
    scheme, _, token = tokens[0].decode("latin-1").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    verified = state.get(VERIFIED_TOKEN)
    if verified is not None and verified[0] == token:
        principal: Principal = verified[1]
        return principal
    verifier: TokenVerifier = scope["app"].state.token_verifier
    try:
        principal = await verifier.verify(token)
    except InvalidTokenError:
        return None
    state[VERIFIED_TOKEN] = (token, principal)
    return principal


def verifier_of(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


class Authorize(HTTPBearer):
    """FastAPI dependency enforcing one policy; resolves to the calling principal.

    It is the bearer security scheme itself (what OpenAPI declares and /api/docs' Authorize button fills)
    rather than a dependency on one: a route's request then solves one dependency for its caller, not two.
    """

    def __init__(self, policy: Policy) -> None:
        super().__init__(scheme_name=BEARER_SCHEME, description=BEARER_DESCRIPTION, auto_error=False)
        self.policy = policy

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        if self.policy.anonymous:
            return ANONYMOUS
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthenticated("A bearer token is required.")
        verified = request.scope.get("state", {}).get(VERIFIED_TOKEN)
        principal: Principal
        if verified is not None and verified[0] == token:
            principal = verified[1]
        else:
            try:
                principal = await verifier_of(request).verify(token)
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
