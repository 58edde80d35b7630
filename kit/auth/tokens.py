"""Signed JWTs: minted by the gateway (EdDSA), verified by every app against trusted issuers."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWK

from identity.principal import Principal, Role, scopes_for_roles
from kit.clock import Clock, SystemClock

PLATFORM_CLAIM = "cdq"
_KEY_REFRESH_MIN_SECONDS = 30.0


class InvalidTokenError(Exception):
    """The token cannot be trusted; the message is safe to show to the caller."""


def generate_signing_key_pem() -> str:
    """A new Ed25519 private key as PKCS#8 PEM."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def key_id_of(private_key_pem: str) -> str:
    public = _load_private(private_key_pem).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return uuid.uuid5(uuid.NAMESPACE_OID, raw.hex()).hex[:16]


def _load_private(private_key_pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key must be Ed25519")
    return key


def public_jwks(private_key_pems: Sequence[str]) -> dict[str, Any]:
    """The JWKS publishing the public halves of the given signing keys (current first)."""
    keys = []
    for pem in private_key_pems:
        public = _load_private(pem).public_key()
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public))
        jwk.update({"kid": key_id_of(pem), "use": "sig", "alg": "EdDSA"})
        keys.append(jwk)
    return {"keys": keys}


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a token says about its holder."""

    subject: str
    kind: str
    institution: str | None
    roles: Sequence[str]
    scopes: Sequence[str]
    contracts: Sequence[str] = ()
    organisations: Sequence[str] = ()
    communes: Sequence[str] = ()
    bodies: Sequence[str] = ()


class TokenIssuer:
    """Mints short-lived platform tokens."""

    def __init__(self, private_key_pem: str, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._key = _load_private(private_key_pem)
        self._kid = key_id_of(private_key_pem)
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds

    def mint(self, grant: TokenGrant, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": grant.subject,
            "iat": issued,
            "nbf": issued,
            "exp": issued + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
            "scope": " ".join(sorted(set(grant.scopes))),
            PLATFORM_CLAIM: {
                "kind": grant.kind,
                "institution": grant.institution,
                "roles": sorted(set(grant.roles)),
                "contracts": sorted(set(grant.contracts)),
                "organisations": sorted(set(grant.organisations)),
                "communes": sorted(set(grant.communes)),
                "bodies": sorted(set(grant.bodies)),
            },
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self._kid})


class KeySet:
    """Verification keys by kid, from inline JWKS or fetched from a URL and refreshed on unknown kid."""

    def __init__(self, jwks: Mapping[str, Any] | None = None, url: str | None = None) -> None:
        self._url = url
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        if jwks is not None:
            self._load(jwks)

    def _load(self, jwks: Mapping[str, Any]) -> None:
        keys: dict[str, PyJWK] = {}
        for entry in jwks.get("keys", []):
            try:
                keys[str(entry.get("kid", ""))] = PyJWK(entry)
            except jwt.PyJWTError:
                continue
        self._keys = keys

    async def key_for(self, kid: str) -> PyJWK:
        key = self._keys.get(kid)
        if key is not None:
            return key
        if self._url is not None and time.monotonic() - self._fetched_at > _KEY_REFRESH_MIN_SECONDS:
            async with self._lock:
                if kid not in self._keys:
                    await self._fetch()
        key = self._keys.get(kid)
        if key is None:
            raise InvalidTokenError("token signed by an unknown key")
        return key

    async def _fetch(self) -> None:
        assert self._url is not None  # noqa: S101 - only called with a URL
        self._fetched_at = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=httpx.Timeout(3.0)) as client:
                response = await client.get(self._url)
                response.raise_for_status()
                self._load(response.json())
        except (httpx.HTTPError, ValueError) as error:
            raise InvalidTokenError("the issuer's keys cannot be fetched") from error


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    issuer: str
    audience: str
    keys: KeySet
    algorithms: tuple[str, ...]
    claim: str = PLATFORM_CLAIM
    derive_scopes_from_roles: bool = False


def _strings(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(str(item) for item in value)
    return frozenset()


def _roles(value: object) -> frozenset[Role]:
    roles = set()
    for name in _strings(value):
        try:
            roles.add(Role(name))
        except ValueError:
            continue
    return frozenset(roles)


# Clock skew allowed between an issuer and us, past a token's expiry (RFC 7519 §4.1.4 allows "some small leeway").
EXPIRY_LEEWAY_SECONDS = 30


class TokenVerifier:
    """Verifies bearer tokens against the trusted issuers and maps them to principals (cached). Expiry is
    judged by the app's clock (kit/clock.py)."""

    def __init__(self, issuers: Iterable[TrustedIssuer], cache_size: int = 10_000, clock: Clock | None = None) -> None:
        self._issuers = {issuer.issuer: issuer for issuer in issuers}
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size
        self._clock = clock or SystemClock()

    async def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        now = self._clock.now().timestamp()
        if cached is not None and cached[1] > now:
            self._cache.move_to_end(token)
            return cached[0]
        principal, expires_at = await self._verify_uncached(token)
        self._cache[token] = (principal, expires_at)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return principal

    async def _verify_uncached(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise InvalidTokenError("malformed token") from error
        trusted = self._issuers.get(str(unverified.get("iss", "")))
        if trusted is None:
            raise InvalidTokenError("token from an untrusted issuer")
        algorithm = header.get("alg")
        if algorithm not in trusted.algorithms:
            raise InvalidTokenError("token signed with a refused algorithm")
        key = await trusted.keys.key_for(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=list(trusted.algorithms),
                audience=trusted.audience,
                issuer=trusted.issuer,
                leeway=EXPIRY_LEEWAY_SECONDS,
                # Expiry is checked below, on the app's clock.
                options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError("token rejected: " + type(error).__name__) from error
        expiry = claims["exp"]
        if isinstance(expiry, bool) or not isinstance(expiry, int | float):
            raise InvalidTokenError("token rejected: its expiry (exp) is not a NumericDate")
        expires_at = float(expiry)
        if expires_at + EXPIRY_LEEWAY_SECONDS < self._clock.now().timestamp():
            raise InvalidTokenError("token expired")
        return self._principal(claims, trusted), expires_at

    @staticmethod
    def _principal(claims: Mapping[str, Any], trusted: TrustedIssuer) -> Principal:
        platform = claims.get(trusted.claim)
        platform = platform if isinstance(platform, Mapping) else {}
        roles = _roles(platform.get("roles"))
        scopes = _strings(claims.get("scope"))
        if trusted.derive_scopes_from_roles:
            scopes = scopes | scopes_for_roles(roles)
        kind = platform.get("kind")
        institution = platform.get("institution")
        return Principal(
            subject=str(claims["sub"]),
            kind="client" if kind == "client" else "user",
            institution=str(institution) if institution else None,
            roles=roles,
            scopes=scopes,
            contracts=_strings(platform.get("contracts")),
            organisations=_strings(platform.get("organisations")),
            communes=_strings(platform.get("communes")),
            bodies=_strings(platform.get("bodies")),
        )


def verifier_from_settings(
    auth_issuer: str,
    auth_audience: str,
    auth_jwks: str | None,
    auth_jwks_url: str | None,
    oidc_issuer: str | None = None,
    oidc_jwks_url: str | None = None,
    oidc_audience: str | None = None,
    oidc_claim: str = PLATFORM_CLAIM,
    clock: Clock | None = None,
) -> TokenVerifier:
    """Build the verifier every app uses from its auth settings."""
    issuers = [
        TrustedIssuer(
            issuer=auth_issuer,
            audience=auth_audience,
            keys=KeySet(json.loads(auth_jwks) if auth_jwks else None, auth_jwks_url),
            algorithms=("EdDSA",),
        )
    ]
    if oidc_issuer and oidc_jwks_url:
        issuers.append(
            TrustedIssuer(
                issuer=oidc_issuer,
                audience=oidc_audience or auth_audience,
                keys=KeySet(None, oidc_jwks_url),
                algorithms=("RS256", "ES256", "EdDSA"),
                claim=oidc_claim,
                derive_scopes_from_roles=True,
            )
        )
    return TokenVerifier(issuers, clock=clock)
