"""Behaviours every service shares: validation problems, ETag/If-Match, Idempotency-Key, audit, schemas."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import httpx
import pytest

from identity.principal import Role
from tests.participation.bodies import body_fields
from tests.running_stack import RunningStack

PROBLEM = "application/problem+json"


async def test_validation_problem_names_field_and_rule(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    payload = {**body_fields(new_contract), "kind": "club", "qpvCodes": ["not-a-qpv"]}
    response = await gateway.post("/api/participation/bodies", headers=headers, json=payload)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    errors = {error["field"]: error for error in response.json()["errors"]}
    assert errors["kind"]["rule"] == "enum"
    assert errors["kind"]["pointer"] == "/body/kind"
    assert errors["qpvCodes"]["rule"] == "string_pattern_mismatch"


async def test_text_postgresql_cannot_store_is_a_422(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = {**stack.headers([Role.CONTRACT_PILOT], [new_contract]), "Content-Type": "application/json"}
    for raw_name in ('"Conseil\\u0000citoyen"', '"Conseil \\ud800 citoyen"'):
        payload = (
            f'{{"contractCode": "{new_contract}", "name": {raw_name}, "kind": "conseil_citoyen", '
            '"participationLevel": "information", "qpvCodes": []}'
        )
        response = await gateway.post("/api/participation/bodies", headers=headers, content=payload)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "name"
    # Bytes that are no UTF-8 are no JSON: the problem names the body and the rule, as every other does.
    undecodable = f'{{"contractCode": "{new_contract}", "name": "'.encode() + b'\xff"}'
    response = await gateway.post("/api/participation/bodies", headers=headers, content=undecodable)
    assert response.status_code == 400, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["rule"]) == ("body", "json")


async def test_mass_assignment_is_refused(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    payload = {**body_fields(new_contract), "version": 99, "id": str(uuid.uuid4())}
    response = await gateway.post("/api/participation/bodies", headers=headers, json=payload)
    assert response.status_code == 422
    assert {error["rule"] for error in response.json()["errors"]} == {"extra_forbidden"}


async def test_business_rule_violation_names_the_field(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    payload = {**body_fields(new_contract), "qpvCodes": ["QN06259M"]}
    response = await gateway.post("/api/participation/bodies", headers=headers, json=payload)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "pointer": "/body/qpvCodes",
        "field": "qpvCodes",
        "rule": "qpv-of-contract",
        "message": "QPV not covered by the contract: QN06259M",
    }
    unknown = await gateway.post(
        "/api/participation/bodies", headers=stack.headers([Role.PLATFORM_ADMIN]), json=body_fields("CV-NOWHERE")
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["rule"] == "registered-contract"


async def test_if_match_is_required_and_checked(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    created = await gateway.post("/api/participation/bodies", headers=headers, json=body_fields(new_contract))
    path = f"/api/participation/bodies/{created.json()['id']}"
    etag = (await gateway.get(path, headers=headers)).headers["etag"]
    assert etag == created.headers["etag"]

    missing = await gateway.patch(path, headers=headers, json={"name": "Nouveau nom"})
    assert missing.status_code == 428
    stale = await gateway.patch(path, headers={**headers, "If-Match": '"stale"'}, json={"name": "Nouveau nom"})
    assert stale.status_code == 412
    assert stale.headers["etag"] == etag
    changed = await gateway.patch(path, headers={**headers, "If-Match": etag}, json={"name": "Nouveau nom"})
    assert changed.status_code == 200
    assert changed.json()["name"] == "Nouveau nom"
    assert changed.headers["etag"] != etag
    again = await gateway.patch(path, headers={**headers, "If-Match": etag}, json={"name": "Perdu"})
    assert again.status_code == 412
    assert (await gateway.get(path, headers=headers)).json()["name"] == "Nouveau nom"
    # If-Match on two lines is one list (RFC 9110 §5.3): each line counts, not the first only.
    current = changed.headers["etag"]
    starred = await gateway.patch(
        path, headers=[*headers.items(), ("If-Match", current), ("If-Match", "*")], json={"name": "Perdu"}
    )
    assert starred.status_code == 428
    listed = await gateway.patch(
        path, headers=[*headers.items(), ("If-Match", '"stale"'), ("If-Match", current)], json={"name": "Listé"}
    )
    assert listed.status_code == 200, listed.text
    # The bound on If-Match holds for the whole list, on however many lines.
    long_list = ", ".join(f'"{index:020d}"' for index in range(45))  # 1,078 characters
    for lines in ([long_list], long_list.split(", ", 1)):
        too_long = await gateway.patch(
            path, headers=[*headers.items(), *(("If-Match", line) for line in lines)], json={"name": "Trop"}
        )
        assert too_long.status_code == 422, (len(lines), too_long.text)
        assert too_long.json()["errors"][0]["field"] == "If-Match"


async def test_idempotency_key_replays_and_refuses_other_bodies(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = {
        **stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="pilot-idem"),
        "Idempotency-Key": str(uuid.uuid4()),
    }
    first = await gateway.post("/api/participation/bodies", headers=headers, json=body_fields(new_contract))
    replay = await gateway.post("/api/participation/bodies", headers=headers, json=body_fields(new_contract))
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    # The same content serialised again (keys in another order, other spacing) is the same request.
    reserialised = json.dumps(dict(reversed(body_fields(new_contract).items())), indent=2).encode()
    again = await gateway.post(
        "/api/participation/bodies",
        headers={**headers, "Content-Type": "application/json"},
        content=reserialised,
    )
    assert (again.status_code, again.headers.get("idempotent-replayed")) == (201, "true")
    assert again.json() == first.json()
    # So is the same media type spelled otherwise: JSON has no parameters that change it.
    for spelling in ("application/json; charset=utf-8", "Application/JSON"):
        respelled = await gateway.post(
            "/api/participation/bodies", headers={**headers, "Content-Type": spelling}, content=reserialised
        )
        assert (respelled.status_code, respelled.headers.get("idempotent-replayed")) == (201, "true"), spelling
    other = await gateway.post(
        "/api/participation/bodies", headers=headers, json=body_fields(new_contract, "Autre conseil")
    )
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    # Two Idempotency-Key lines: which one would count is the reader's choice, so neither does.
    two_keys = await gateway.post(
        "/api/participation/bodies",
        headers=[*headers.items(), ("Idempotency-Key", "another-key")],
        json=body_fields(new_contract, "Deux clés"),
    )
    assert (two_keys.status_code, two_keys.json()["errors"][0]["rule"]) == (400, "idempotency-key-single")
    listed = await gateway.get(
        "/api/participation/bodies", headers=headers, params={"contractCode": new_contract, "limit": 100}
    )
    assert [item["id"] for item in listed.json()["items"]].count(first.json()["id"]) == 1


async def test_audit_row_is_written_with_the_change_and_is_append_only(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = {
        **stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="pilot-audit"),
        "X-Request-ID": "audit-req-0001",
    }
    created = await gateway.post("/api/participation/bodies", headers=headers, json=body_fields(new_contract))
    async with stack.runtime_connection("participation") as connection:
        rows = await connection.fetch(
            "SELECT * FROM participation.audit_events WHERE entity_id = $1", created.json()["id"]
        )
        assert len(rows) == 1
        assert rows[0]["actor_subject"] == "pilot-audit"
        assert rows[0]["action"] == "body.created"
        assert rows[0]["request_id"] == "audit-req-0001"
        # The service's role may not change the log (tests/security has the whole list); its owner, who
        # could, meets the append-only trigger unless it disables it first.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("UPDATE participation.audit_events SET action = 'forged'")
    owner = await asyncpg.connect(stack.owner_url("participation").replace("+asyncpg", ""))
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await owner.execute("UPDATE participation.audit_events SET action = 'forged'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await owner.execute("DELETE FROM participation.audit_events")
    finally:
        await owner.close()


async def test_failed_write_leaves_no_audit_row(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    payload = {
        "contractCode": new_contract,
        "year": 2031,
        "scheme": "p147",
        "title": "Hors période",
        "opensOn": "2030-09-01",
        "closesOn": "2030-10-31",
    }
    refused = await gateway.post("/api/grants/calls", headers=headers, json=payload)
    assert refused.status_code == 422
    async with stack.runtime_connection("grants") as connection:
        count = await connection.fetchval(
            "SELECT count(*) FROM grants.audit_events WHERE after->>'contract_code' = $1", new_contract
        )
        calls = await connection.fetchval(
            "SELECT count(*) FROM grants.calls_for_projects WHERE contract_code = $1", new_contract
        )
    assert count == calls == 0


@pytest.mark.parametrize(
    ("role", "foreign_table"),
    [
        ("grants", "territories.communes"),
        ("participation", "grants.calls_for_projects"),
        ("territories", "participation.bodies"),
    ],
)
async def test_each_role_reads_only_its_own_schema(stack: RunningStack, role: str, foreign_table: str) -> None:
    async with stack.runtime_connection(role) as connection:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.fetch(f"SELECT * FROM {foreign_table} LIMIT 1")  # noqa: S608 - fixed names


async def test_page_size_has_a_hard_limit(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/territories/communes", params={"limit": 101})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


async def test_method_not_allowed_is_a_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.delete("/api/territories/communes")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


async def test_health_and_readiness(stack: RunningStack) -> None:
    async with httpx.AsyncClient() as client:
        for app in ("territories", "grants", "participation", "gateway"):
            url = stack.urls[app]
            assert (await client.get(url + "/healthz")).json()["status"] == "ok"
            ready = await client.get(url + "/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["database"] == "ok"


async def test_concurrent_duplicates_with_one_key_create_one_record(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = {
        **stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="pilot-race"),
        "Idempotency-Key": "race-1",
    }
    responses = await asyncio.gather(
        *(gateway.post("/api/participation/bodies", headers=headers, json=body_fields(new_contract)) for _ in range(5))
    )
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 1


async def test_concurrent_updates_with_one_etag_let_one_win(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    created = await gateway.post("/api/participation/bodies", headers=headers, json=body_fields(new_contract))
    path = f"/api/participation/bodies/{created.json()['id']}"
    stale = {**headers, "If-Match": created.headers["etag"]}
    # Four writers holding the same ETag (none reads it again before writing).
    responses = await asyncio.gather(
        *(gateway.patch(path, headers=stale, json={"name": f"Nom {index}"}) for index in range(4))
    )
    assert sorted(response.status_code for response in responses) == [200, 412, 412, 412]
    assert (await gateway.get(path, headers=headers)).json()["version"] == 2


async def test_a_query_parameter_given_twice_is_refused_not_read_as_one_of_its_copies(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    url = f"/api/participation/bodies?contractCode={new_contract}"
    assert (await gateway.get(url + "&limit=1", headers=headers)).status_code == 200
    twice = await gateway.get(url + "&limit=500&limit=1&offset=0", headers=headers)
    assert twice.status_code == 422, twice.text
    assert [(error["field"], error["rule"]) for error in twice.json()["errors"]] == [("limit", "given-once")]
    # The same through a dependency's parameter, on another service, and at the gateway's own routes.
    for path in ("/api/territories/qpvs?codeEpci=200033579&codeEpci=200033579", "/api/events?limit=1&limit=2"):
        refused = await gateway.get(path, headers=headers)
        assert refused.status_code == 422, (path, refused.text)
        assert refused.json()["errors"][0]["rule"] == "given-once"
    # A name no route reads is not the route's concern.
    assert (await gateway.get(url + "&utm=a&utm=b", headers=headers)).status_code == 200
