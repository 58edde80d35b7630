"""Webhook secrets are never kept in clear: sealed in the subscriptions' rows (with the gateway's key), left
out of the answers remembered under an Idempotency-Key (a replay answers without them); the migration
gate0005 seals the rows an older gateway kept in clear, and its downgrade opens them again."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from cli.provisioning import downgrade, migrate
from gateway.webhooks.domain import new_secret
from gateway.webhooks.sealing import SecretBox
from identity.principal import Role
from tests.running_stack import RunningStack, in_database
from tests.webhooks.partners import SUBSCRIPTIONS, register_partner

DATABASE = "cdq_webhook_secrets_migration"


async def _fetch(url: str, statement: str, *arguments: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return list(await connection.fetch(statement, *arguments))
    finally:
        await connection.close()


async def test_secrets_are_sealed_and_never_remembered(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    partner = await register_partner(stack, gateway, Role.STATE, ["grants:read"], [new_contract])
    headers = partner.keyed()
    body = {"url": "http://127.0.0.1:9/hooks", "types": ["application.submitted"], "contractCode": new_contract}
    created = await gateway.post(SUBSCRIPTIONS, json=body, headers=headers)
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert "x-replay-omits" not in created.headers

    box = SecretBox(stack.secrets.webhook_secrets_key)
    owner = stack.owner_url("gateway")
    [row] = await _fetch(
        owner,
        "SELECT secret FROM gateway.webhook_subscriptions WHERE subscription_id = $1",
        uuid.UUID(created.json()["id"]),
    )
    assert secret not in row["secret"]
    assert box.open(row["secret"]) == secret
    remembered = await _fetch(
        owner, "SELECT response_body FROM gateway.idempotency_keys WHERE key = $1", headers["Idempotency-Key"]
    )
    assert remembered
    assert secret.encode() not in bytes(remembered[0]["response_body"])

    replayed = await gateway.post(SUBSCRIPTIONS, json=body, headers=headers)
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert "secret" not in replayed.json()
    assert {name: value for name, value in created.json().items() if name != "secret"} == replayed.json()

    url = f"{SUBSCRIPTIONS}/{created.json()['id']}"
    etag = (await gateway.get(url, headers=partner.headers)).headers["etag"]
    rotation = {**partner.keyed(), "If-Match": etag}
    rotated = await gateway.post(f"{url}/secret-rotations", headers=rotation)
    assert rotated.status_code == 200, rotated.text
    [row] = await _fetch(
        owner,
        "SELECT secret, previous_secret FROM gateway.webhook_subscriptions WHERE subscription_id = $1",
        uuid.UUID(created.json()["id"]),
    )
    assert (box.open(row["secret"]), box.open(row["previous_secret"])) == (rotated.json()["secret"], secret)
    assert "whsec_" not in row["secret"] + row["previous_secret"]
    again = await gateway.post(f"{url}/secret-rotations", headers=rotation)
    assert again.headers["idempotent-replayed"] == "true"
    assert "secret" not in again.json()


def test_the_migration_seals_the_secrets_kept_in_clear(stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    stack.provision(DATABASE)
    url = in_database(stack.owner_url("gateway"), DATABASE)
    migrate("gateway", url, "gate0004")
    current, previous = new_secret(), new_secret()
    subscription_id = uuid.uuid4()
    answer = json.dumps({"id": str(subscription_id), "secret": current}).encode()
    statements: list[tuple[str, tuple[Any, ...]]] = [
        (
            "INSERT INTO gateway.oauth_clients (client_id, name, secret_hash, roles, scopes, contracts, organisations,"
            " communes, bodies) VALUES ('cdq-old', 'Old', 'x', '{}', '{}', '{}', '{}', '{}', '{}')",
            (),
        ),
        (
            "INSERT INTO gateway.webhook_subscriptions (subscription_id, client_id, url, event_types, secret,"
            " previous_secret, is_enabled, version) VALUES ($1, 'cdq-old', 'https://example.org/h',"
            " '{application.submitted}', $2, $3, true, 1)",
            (subscription_id, current, previous),
        ),
        (
            "INSERT INTO gateway.idempotency_keys (owner, key, operation, fingerprint, response_status,"
            " response_headers, response_body, expires_at) VALUES ('client:cdq-old:x', 'k1', 'create', 'f', 201,"
            " '{\"content-type\": \"application/json\"}', $1, now() + interval '1 day')",
            (answer,),
        ),
    ]
    for statement, arguments in statements:
        asyncio.run(_fetch(url, statement, *arguments))

    monkeypatch.delenv("GATEWAY_WEBHOOK_SECRETS_KEY", raising=False)
    with pytest.raises(RuntimeError, match="GATEWAY_WEBHOOK_SECRETS_KEY"):
        migrate("gateway", url)  # rows in clear and no key: refused, nothing half done
    monkeypatch.setenv("GATEWAY_WEBHOOK_SECRETS_KEY", stack.secrets.webhook_secrets_key)
    migrate("gateway", url)
    box = SecretBox(stack.secrets.webhook_secrets_key)
    read = "SELECT secret, previous_secret FROM gateway.webhook_subscriptions"
    [row] = asyncio.run(_fetch(url, read))
    assert (box.open(row["secret"]), box.open(row["previous_secret"])) == (current, previous)
    [kept] = asyncio.run(_fetch(url, "SELECT response_body FROM gateway.idempotency_keys"))
    assert json.loads(bytes(kept["response_body"])) == {"id": str(subscription_id)}
    migrate("gateway", url)  # again: nothing sealed twice
    assert box.open(asyncio.run(_fetch(url, read))[0]["secret"]) == current

    downgrade("gateway", url, "gate0004")
    [row] = asyncio.run(_fetch(url, read))
    assert (row["secret"], row["previous_secret"]) == (current, previous)
