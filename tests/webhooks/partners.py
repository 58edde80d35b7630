"""A partner client registered for one test, and its client-credentials token."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from identity.principal import Principal, Role
from tests.running_stack import RunningStack

SUBSCRIPTIONS = "/api/webhook-subscriptions"


@dataclass(frozen=True, slots=True)
class Partner:
    client_id: str
    headers: dict[str, str]

    def keyed(self) -> dict[str, str]:
        return {**self.headers, "Idempotency-Key": uuid.uuid4().hex}


async def register_partner(
    stack: RunningStack,
    gateway: httpx.AsyncClient,
    role: Role,
    scopes: Sequence[str],
    contracts: Sequence[str],
    organisations: Sequence[str] = (),
) -> Partner:
    from gateway.use_cases import oauth_clients
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork

    engine = create_engine(stack.role_url("gateway"), "gateway", application_name="test")
    actor = Principal(subject="test-admin", kind="user", roles=frozenset({Role.PLATFORM_ADMIN}))
    client_id = "cdq-test-" + uuid.uuid4().hex[:8]
    try:
        secret = await oauth_clients.register_client(
            UnitOfWork(create_sessionmaker(engine)),
            actor,
            oauth_clients.ClientRegistration(
                client_id=client_id,
                name="Partenaire (test)",
                institution="test-institution",
                roles=[role],
                scopes=list(scopes),
                contracts=list(contracts),
                organisations=list(organisations),
                communes=[],
                bodies=[],
            ),
        )
    finally:
        await engine.dispose()
    issued = await gateway.post("/api/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert issued.status_code == 200, issued.text
    return Partner(client_id, {"Authorization": "Bearer " + issued.json()["access_token"]})
