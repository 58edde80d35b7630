"""Who reads an event of participation: those who read its body's records (they work on its contract),
except that a body's facilitator follows the bodies it runs (`manages_body`), not its contract's others
(issue 17: "a facilitator its bodies"). Events without a body (a consultation) go to the contract's readers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from identity.principal import Principal, Role
from services.participation.bodies.domain import manages_body


def sees_event(actor: Principal, contract_code: str | None, related: Mapping[str, str]) -> bool:
    if contract_code is None or not actor.works_on(contract_code):
        return False
    body = related.get("bodyId")
    if body is None or actor.roles - {Role.BODY_FACILITATOR}:
        return True
    return manages_body(actor, contract_code, uuid.UUID(body))
