"""The write guarantees on routes that once forgot them, through the gateway: money edited by several
institutions at once, POSTs that ignored their key, POSTs that create several records, money audited with
its amounts, and a payment racing a re-plan of its line."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.grants.playbook import API, Year, budget, draft, move, notified, open_year, send, submit
from tests.participation.people import fictitious_person
from tests.running_stack import RunningStack


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


async def _fetch(stack: RunningStack, app: str, query: str, *arguments: Any) -> list[asyncpg.Record]:
    async with stack.runtime_connection(app) as connection:
        return list(await connection.fetch(query, *arguments))


async def _under_instruction(gateway: httpx.AsyncClient, year: Year) -> str:
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, application["id"], year.operator)).status_code == 200
    for transition in ("declare_receivable", "instruct"):
        assert (await move(gateway, application["id"], year.state, transition)).status_code == 200
    return str(application["id"])


async def test_concurrent_decisions_on_one_line_with_one_etag_let_one_win(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    application = await _under_instruction(gateway, year)
    url = f"{API}/applications/{application}"
    etag = (await gateway.get(url, headers=year.state)).headers["etag"]
    line = f"{url}/financing-lines/{year.institutions['etat-p147']}"
    answers = await asyncio.gather(
        *(
            gateway.post(
                f"{line}/decision",
                json={
                    "decision": "granted",
                    "amount": f"{5000 + index}",
                    "actKind": "arrete",
                    "actNumber": f"A-{index}",
                    "decidedOn": "2025-02-10",
                },
                headers={**year.state, "If-Match": etag},
            )
            for index in range(20)
        )
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [412] * 19, statuses
    winner = next(answer for answer in answers if answer.status_code == 200)
    decided = {item["institutionCode"]: item["decided"] for item in winner.json()["financingLines"]}
    stored = (await gateway.get(url, headers=year.state)).json()
    assert {item["institutionCode"]: item["decided"] for item in stored["financingLines"]} == decided
    rows = await _fetch(
        stack,
        "grants",
        "SELECT before, after FROM grants.audit_events WHERE action = 'financing_line.decided' AND entity_id = $1",
        f"{application}/{year.institutions['etat-p147']}",
    )
    assert len(rows) == 1  # the 19 refused writes left nothing
    assert rows[0]["after"] is not None
    refused = await gateway.patch(line, json={"proposed": "1"}, headers={**year.state, "If-Match": "*"})
    assert refused.status_code == 428
    missing = await gateway.patch(line, json={"proposed": "1"}, headers=year.state)
    assert missing.status_code == 428


async def test_a_budget_change_is_audited_with_its_amounts(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}/budget"
    assert (await send(gateway, "PUT", url, year.operator, budget(year))).status_code == 200
    assert (await send(gateway, "PUT", url, year.operator, budget(year, p147=9000, cua=3000))).status_code == 200
    rows = await _fetch(
        stack,
        "grants",
        "SELECT before, after FROM grants.audit_events WHERE action = 'application.budget_replaced'"
        " AND entity_id = $1 ORDER BY audit_event_id",
        str(application["id"]),
    )
    assert len(rows) == 2
    before, after = json.loads(rows[1]["before"]), json.loads(rows[1]["after"])
    p147 = year.institutions["etat-p147"]
    assert [line["amountCents"] for line in before["lines"] if line["institutionId"] == p147] == [800_000]
    assert [line["amountCents"] for line in after["lines"] if line["institutionId"] == p147] == [900_000]
    assert [(line["account"], line["label"], line["amountCents"]) for line in before["lines"]] == [
        (line["account"], line["label"], int(line["amount"]) * 100) for line in budget(year)["lines"]
    ], "the budget's replaced lines, every one in its order"


async def test_a_drafts_change_is_audited_with_what_it_changed(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    """Every field a draft writes is in its audit's before and after, not only its title and places."""
    application = await draft(gateway, year, description="Avant")
    url = f"{API}/applications/{application['id']}"
    changed = {
        "title": application["title"],
        "description": "Après",
        "primaryObjectiveId": year.objective_id,
        "qpvCodes": ["QN06258M"],
        "beneficiaries": {"total": 90},
        "startsOn": "2025-10-01",
        "endsOn": "2026-06-30",
        "dauphinNumber": "da 2025 0001-1",
    }
    assert (await send(gateway, "PUT", url, year.operator, changed)).status_code == 200
    rows = await _fetch(
        stack,
        "grants",
        "SELECT before, after FROM grants.audit_events WHERE action = 'application.updated' AND entity_id = $1",
        str(application["id"]),
    )
    assert len(rows) == 1
    before, after = json.loads(rows[0]["before"]), json.loads(rows[0]["after"])
    changes = {key: (before[key], after[key]) for key in after if before[key] != after[key]}
    assert set(changes) == {"description", "beneficiaries", "starts_on", "version"}
    assert (changes["description"], changes["starts_on"], changes["version"]) == (
        ("Avant", "Après"),
        ("2025-09-01", "2025-10-01"),
        (1, 2),
    )
    assert (changes["beneficiaries"][0]["total"], changes["beneficiaries"][1]["total"]) == (120, 90)
    assert (after["primary_objective_id"], after["dauphin_number"]) == (year.objective_id, "da 2025 0001-1")


async def test_a_post_that_ignored_its_key_now_replays(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = {
        **stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="pilot-people"),
        "Idempotency-Key": str(uuid.uuid4()),
    }
    person = fictitious_person(new_contract)
    first = await gateway.post("/api/participation/people", json=person, headers=pilot)
    again = await gateway.post("/api/participation/people", json=person, headers=pilot)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    rows = await _fetch(
        stack, "participation", "SELECT count(*) AS n FROM participation.people WHERE contract_code = $1", new_contract
    )
    assert rows[0]["n"] == 1
    someone_else = stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="another-pilot")
    other = await gateway.post(
        "/api/participation/people", json=person, headers={**someone_else, "Idempotency-Key": pilot["Idempotency-Key"]}
    )
    assert other.status_code == 201  # a key belongs to its caller: another caller's request is its own
    assert other.json()["id"] != first.json()["id"]


async def test_a_payment_racing_a_replan_never_deadlocks(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    application = (await notified(gateway, year))["id"]
    await write_if_match(
        gateway, "PUT", f"{API}/calls/{year.call_id}/envelopes/{year.institutions['etat-p147']}",
        json={"amount": "500000"}, headers=year.pilot,
    )  # fmt: skip
    tranches = f"{API}/applications/{application}/financing-lines/{year.institutions['etat-p147']}/tranches"
    statuses: list[int] = []
    for _ in range(8):
        planned = await write_if_match(
            gateway, "PUT", tranches, json={"tranches": [{"kind": "advance", "weight": 1}]}, headers=year.state
        )
        assert planned.status_code == 200, planned.text
        tranche = planned.json()[0]["id"]
        etag = planned.headers["etag"]
        paid, replanned = await asyncio.gather(
            gateway.post(
                f"{API}/tranches/{tranche}/payment",
                json={"paidOn": "2025-03-15", "amount": "100", "overrideReason": "test"},
                headers=year.state,
            ),
            gateway.put(
                tranches,
                json={"tranches": [{"kind": "advance", "weight": 1}, {"kind": "balance", "weight": 1}]},
                headers={**year.state, "If-Match": etag},
            ),
        )
        statuses += [paid.status_code, replanned.status_code]
        if paid.status_code == 200:
            failed = await gateway.post(
                f"{API}/tranches/{tranche}/failure", json={"reason": "test"}, headers=year.state
            )
            assert failed.status_code == 200, failed.text
            break
    assert all(status < 500 for status in statuses), statuses
    assert set(statuses) <= {200, 404, 409, 412}, statuses


async def test_the_etag_a_write_answers_is_the_next_writes_precondition(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    """Values stored with more digits than sent (NUMERIC(6,4)) must not change the version they make."""
    url = f"{API}/calls/{year.call_id}/portfolio-rules"
    etag = (await gateway.get(url, headers=year.pilot)).headers["etag"]
    rules = {"horsQpvCap": "0.04", "degressivityRate": "0.1", "newActionsTarget": "0.3", "cohesionTarget": "0.5"}
    for cap in ("0.04", "0.035", "0.03"):
        written = await gateway.put(url, json={**rules, "horsQpvCap": cap}, headers={**year.pilot, "If-Match": etag})
        assert written.status_code == 200, written.text
        etag = written.headers["etag"]
        assert (await gateway.get(url, headers=year.pilot)).headers["etag"] == etag


async def test_a_key_replays_only_to_a_caller_with_the_same_rights(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    key = str(uuid.uuid4())
    person = fictitious_person(
        new_contract, gender="m", residentInQpv=False, familyName="Fictif", givenName="Même sujet"
    )
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="one-subject")
    first = await gateway.post("/api/participation/people", json=person, headers={**pilot, "Idempotency-Key": key})
    assert first.status_code == 201, first.text
    auditor = stack.headers([Role.AUDITOR], [new_contract], subject="one-subject")
    refused = await gateway.post("/api/participation/people", json=person, headers={**auditor, "Idempotency-Key": key})
    assert refused.status_code == 403  # judged on its own rights, not answered the pilot's 201
    assert "idempotent-replayed" not in refused.headers
