"""Who calls participation's use cases in their tests: the contract's pilot, a platform admin, an operator of
the contract, a pilot of another contract, and a body's facilitator."""

from __future__ import annotations

from identity.principal import Principal, Role
from services.participation.bodies.domain import Body
from tests.running_stack import CUA_CONTRACT

# The stack's registered contract: what a use-case test writes on it is rolled back at the test's end.
CONTRACT = CUA_CONTRACT
PILOT = Principal(subject="pilot", kind="user", roles=frozenset({Role.CONTRACT_PILOT}), contracts=frozenset({CONTRACT}))
ADMIN = Principal(subject="admin", kind="user", roles=frozenset({Role.PLATFORM_ADMIN}))
OPERATOR = Principal(subject="operator", kind="user", roles=frozenset({Role.OPERATOR}), contracts=frozenset({CONTRACT}))
STRANGER = Principal(
    subject="stranger", kind="user", roles=frozenset({Role.CONTRACT_PILOT}), contracts=frozenset({"CV-ELSEWHERE"})
)


def facilitator_of(body: Body) -> Principal:
    """A facilitator of this body only (another body's facilitator is `facilitator_of(another)`)."""
    return Principal(
        subject="facilitator",
        kind="user",
        roles=frozenset({Role.BODY_FACILITATOR}),
        contracts=frozenset({CONTRACT}),
        bodies=frozenset({str(body.body_id)}),
    )
