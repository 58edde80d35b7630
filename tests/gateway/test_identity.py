"""Identity and authorization, always through the gateway."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt

from identity.principal import Role
from kit.auth.tokens import TokenGrant, TokenIssuer, generate_signing_key_pem
from tests.running_stack import CUA_CONTRACT, RunningStack

PROBLEM = "application/problem+json"


def _call_payload(contract: str, year: int = 2026) -> dict[str, object]:
    return {
        "contractCode": contract,
        "year": year,
        "scheme": "p147",
        "title": "Appel à projets politique de la ville",
        "opensOn": f"{year - 1}-09-01",
        "closesOn": f"{year - 1}-10-31",
    }


async def test_protected_endpoint_without_token_is_401_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/grants/calls")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "/problems/unauthenticated"


async def test_wrong_scope_is_403(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    token = stack.token([Role.CONTRACT_PILOT], scopes=["territories:read"])
    response = await gateway.get("/api/grants/calls", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["requiredScopes"] == ["grants:read"]


async def test_operator_cannot_open_a_call(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> None:
    headers = stack.headers([Role.OPERATOR], [new_contract])
    response = await gateway.post("/api/grants/calls", headers=headers, json=_call_payload(new_contract))
    assert response.status_code == 403


async def test_other_contracts_records_are_404(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, cua_contract: str
) -> None:
    owner = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    outsider = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    call = await gateway.post("/api/grants/calls", headers=owner, json=_call_payload(new_contract))
    assert call.status_code == 201, call.text
    body = await gateway.post(
        "/api/participation/bodies",
        headers=owner,
        json={
            "contractCode": new_contract,
            "name": "Conseil citoyen Quatre As",
            "kind": "conseil_citoyen",
            "participationLevel": "concertation",
            "qpvCodes": ["QN06258M"],
        },
    )
    assert body.status_code == 201, body.text
    for path in (f"/api/grants/calls/{call.json()['id']}", f"/api/participation/bodies/{body.json()['id']}"):
        assert (await gateway.get(path, headers=owner)).status_code == 200
        hidden = await gateway.get(path, headers=outsider)
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == PROBLEM
        missing = await gateway.get(path.rsplit("/", 1)[0] + f"/{uuid.uuid4()}", headers=outsider)
        assert hidden.json()["type"] == missing.json()["type"] == "/problems/not-found"
    listed = await gateway.get("/api/grants/calls", params={"contractCode": new_contract}, headers=outsider)
    assert (listed.status_code, listed.json()["type"]) == (404, "/problems/not-found")
    patched = await gateway.patch(
        f"/api/grants/calls/{call.json()['id']}", headers={**outsider, "If-Match": "*"}, json={"title": "Volé"}
    )
    assert patched.status_code == 404


async def test_creating_in_a_contract_one_does_not_work_on_is_403(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, cua_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    response = await gateway.post("/api/grants/calls", headers=headers, json=_call_payload(new_contract))
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/not-bound-to-contract"


async def test_tokens_that_must_be_refused(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    valid = stack.token([Role.PLATFORM_ADMIN])
    foreign = TokenIssuer(generate_signing_key_pem(), stack.issuer.issuer, stack.issuer.audience, 600)
    grant = TokenGrant(subject="x", kind="user", institution=None, roles=["platform_admin"], scopes=["grants:read"])
    expired = stack.issuer.mint(grant, now=time.time() - 3600)
    unsigned = jwt.encode(jwt.decode(valid, options={"verify_signature": False}), key="", algorithm="none")
    wrong_audience = TokenIssuer(stack.secrets.signing_key_pem, stack.issuer.issuer, "another-platform", 600)
    for token in (foreign.mint(grant), expired, unsigned, wrong_audience.mint(grant), "not-a-jwt"):
        for path in ("/api/grants/calls", "/api/participation/bodies"):
            response = await gateway.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, (token, response.text)
            assert response.headers["content-type"] == PROBLEM


async def test_services_verify_tokens_themselves(stack: RunningStack) -> None:
    foreign = TokenIssuer(generate_signing_key_pem(), stack.issuer.issuer, stack.issuer.audience, 600)
    grant = TokenGrant(subject="x", kind="user", institution=None, roles=["platform_admin"], scopes=["grants:read"])
    async with httpx.AsyncClient(base_url=stack.urls["grants"]) as direct:
        forged = await direct.get("/calls", headers={"Authorization": f"Bearer {foreign.mint(grant)}"})
        assert forged.status_code == 401
        genuine = await direct.get(
            "/calls", params={"contractCode": CUA_CONTRACT}, headers=stack.headers([Role.PLATFORM_ADMIN])
        )
        assert genuine.status_code == 200


async def test_client_credentials_lifecycle(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> None:
    from gateway.use_cases import oauth_clients
    from identity.principal import Principal
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork

    engine = create_engine(stack.role_url("gateway"), "gateway", application_name="test")
    uow = UnitOfWork(create_sessionmaker(engine))
    actor = Principal(subject="test-admin", kind="user", roles=frozenset({Role.PLATFORM_ADMIN}))
    client_id = "cdq-test-" + uuid.uuid4().hex[:8]
    try:
        secret = await oauth_clients.register_client(
            uow,
            actor,
            oauth_clients.ClientRegistration(
                client_id=client_id,
                name="Préfecture (test)",
                institution="prefecture-62",
                roles=[Role.STATE],
                scopes=["grants:read", "territories:read"],
                contracts=[new_contract],
                organisations=[],
                communes=[],
                bodies=[],
            ),
        )
        stored = next(row for row in await oauth_clients.list_clients(uow) if row.client_id == client_id)
        assert secret not in stored.secret_hash

        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        issued = await gateway.post("/api/oauth/token", data=form)
        assert issued.status_code == 200, issued.text
        assert issued.headers["cache-control"] == "no-store"
        token = issued.json()["access_token"]
        assert issued.json()["scope"] == "grants:read territories:read"
        calls = await gateway.get(
            "/api/grants/calls", params={"contractCode": new_contract}, headers={"Authorization": f"Bearer {token}"}
        )
        assert calls.status_code == 200
        bodies = await gateway.get("/api/participation/bodies", headers={"Authorization": f"Bearer {token}"})
        assert bodies.status_code == 403

        narrowed = await gateway.post("/api/oauth/token", data={**form, "scope": "grants:read"})
        assert narrowed.json()["scope"] == "grants:read"
        too_wide = await gateway.post("/api/oauth/token", data={**form, "scope": "grants:write"})
        assert too_wide.status_code == 400
        assert too_wide.json()["error"] == "invalid_scope"
        wrong = await gateway.post("/api/oauth/token", data={**form, "client_secret": "guess"})
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
        grant_type = await gateway.post("/api/oauth/token", data={**form, "grant_type": "password"})
        assert grant_type.status_code == 400

        new_secret = await oauth_clients.rotate_secret(uow, actor, client_id)
        assert (await gateway.post("/api/oauth/token", data=form)).status_code == 401
        rotated = await gateway.post("/api/oauth/token", data={**form, "client_secret": new_secret})
        assert rotated.status_code == 200
        basic = await gateway.post(
            "/api/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, new_secret)
        )
        assert basic.status_code == 200

        await oauth_clients.revoke_client(uow, actor, client_id)
        revoked = await gateway.post("/api/oauth/token", data={**form, "client_secret": new_secret})
        assert revoked.status_code == 401
    finally:
        await engine.dispose()


async def test_jwks_publishes_the_signing_key(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    keys = (await gateway.get("/api/oauth/jwks.json")).json()["keys"]
    kid = jwt.get_unverified_header(stack.token([Role.AUDITOR]))["kid"]
    assert [key["kid"] for key in keys] == [kid]
    assert "d" not in keys[0]


async def test_oidc_user_tokens_map_to_the_same_principal(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, cua_contract: str
) -> None:
    claims = {
        "sub": "agent-cua-42",
        "cdq": {"roles": ["contract_pilot"], "contracts": [new_contract], "institution": "cu-arras"},
    }
    web_user = {"Authorization": "Bearer " + stack.identity_provider.token(claims)}
    created = await gateway.post("/api/grants/calls", headers=web_user, json=_call_payload(new_contract, 2027))
    assert created.status_code == 201, created.text
    assert (await gateway.get(f"/api/grants/calls/{created.json()['id']}", headers=web_user)).status_code == 200
    elsewhere = await gateway.post("/api/grants/calls", headers=web_user, json=_call_payload(cua_contract, 2027))
    assert elsewhere.status_code == 403
    operator = {"sub": "asso-7", "cdq": {"roles": ["operator"], "contracts": [new_contract]}}
    refused = await gateway.post(
        "/api/grants/calls",
        headers={"Authorization": "Bearer " + stack.identity_provider.token(operator)},
        json=_call_payload(new_contract, 2028),
    )
    assert refused.status_code == 403
    expired = stack.identity_provider.token(claims, lifetime=-3600)
    assert (await gateway.get("/api/grants/calls", headers={"Authorization": f"Bearer {expired}"})).status_code == 401
