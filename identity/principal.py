"""The principal: who calls, for which institution, with which roles, scopes and bound records."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    CONTRACT_PILOT = "contract_pilot"
    STATE = "state"
    CO_FINANCER = "co_financer"
    COMMUNE = "commune"
    OPERATOR = "operator"
    BODY_FACILITATOR = "body_facilitator"
    AUDITOR = "auditor"
    PUBLIC = "public"


SERVICE_NAMES = ("territories", "grants", "participation")
ADMIN_SCOPE = "platform:admin"
# The scheduled jobs' scope: only the gateway's job worker mints it, for itself (gateway/schedules.py); no role
# grants it, so no user token carries it.
JOBS_SCOPE = "platform:jobs"


def _all(kind: Literal["read", "write"]) -> set[str]:
    return {f"{service}:{kind}" for service in SERVICE_NAMES}


# What each role may do when its token carries no explicit scopes (web users from OIDC).
ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.PLATFORM_ADMIN: frozenset(_all("read") | _all("write") | {ADMIN_SCOPE}),
    Role.CONTRACT_PILOT: frozenset(_all("read") | _all("write")),
    Role.STATE: frozenset(_all("read") | {"grants:write"}),
    Role.CO_FINANCER: frozenset(_all("read") | {"grants:write"}),
    # A commune writes its bodies (participation) and, as a signatory of the contract, its engagement sheet.
    Role.COMMUNE: frozenset(_all("read") | {"participation:write", "grants:write"}),
    Role.OPERATOR: frozenset({"territories:read", "grants:read", "grants:write"}),
    Role.BODY_FACILITATOR: frozenset({"territories:read", "participation:read", "participation:write"}),
    Role.AUDITOR: frozenset(_all("read")),
    Role.PUBLIC: frozenset(),
}


def scopes_for_roles(roles: Iterable[Role]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_SCOPES[role]
    return frozenset(granted)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller, or the anonymous public."""

    subject: str
    kind: Literal["user", "client", "anonymous"]
    institution: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    contracts: frozenset[str] = field(default_factory=frozenset)
    organisations: frozenset[str] = field(default_factory=frozenset)
    communes: frozenset[str] = field(default_factory=frozenset)
    bodies: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles

    def works_on(self, contract_code: str) -> bool:
        """Whether records of this contract (tenant) exist for this caller at all."""
        return self.is_platform_admin or contract_code in self.contracts

    def rights_digest(self) -> str:
        """A digest of everything that decides what this caller may do: two tokens of one subject with other
        roles, scopes or bindings are two callers (an Idempotency-Key replays only to the same rights)."""
        claims = (
            self.kind,
            self.subject,
            self.institution or "",
            *(",".join(sorted(values)) for values in (self.roles, self.scopes, self.contracts)),
            *(",".join(sorted(values)) for values in (self.organisations, self.communes, self.bodies)),
        )
        return hashlib.sha256("\x1f".join(claims).encode()).hexdigest()[:24]

    @property
    def contract_scope(self) -> frozenset[str] | None:
        """The contracts whose records this caller sees, for a query's filter; None: every contract."""
        return None if self.is_platform_admin else self.contracts


ANONYMOUS = Principal(subject="anonymous", kind="anonymous", roles=frozenset({Role.PUBLIC}))
