"""The event feed: a grants journey (submit → instruct → decide → notify → pay) told in order per resource,
with the ETags a GET answers; each caller sees only what it may read; a cursor resumes exactly; ids only,
never a person's name; a cursor that names no kept event is a 410 naming the oldest cursor kept."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx

from identity.principal import Role
from tests.events.feed import FEED, read_all
from tests.grants.playbook import API, Year, draft, open_year, play_to_notified
from tests.participation.bodies import new_body
from tests.participation.people import new_person
from tests.running_stack import RunningStack
from tests.steps import step


async def _journey(gateway: httpx.AsyncClient, year: Year) -> str:
    application = await draft(gateway, year)
    await play_to_notified(gateway, year, application)
    url = f"{API}/applications/{application['id']}/financing-lines/{year.institutions['cua']}/tranches"
    current = await gateway.get(url, headers=year.cua)
    planned = await gateway.put(
        url,
        json={"tranches": [{"kind": "balance", "weight": 1}]},
        headers={**year.cua, "If-Match": current.headers["etag"]},
    )
    assert planned.status_code == 200, planned.text
    paid = await gateway.post(
        f"{API}/tranches/{planned.json()[0]['id']}/payment",
        json={"paidOn": "2025-03-15", "amount": "4000", "overrideReason": "vote des crédits en cours"},
        headers=year.cua,
    )
    assert paid.status_code == 200, paid.text
    return str(application["id"])


async def test_a_journey_is_told_in_order_with_the_etags_a_get_answers(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    year = await open_year(stack, gateway, new_contract)
    with step("the journey's events come in order, each with the resource's ETag"):
        application = await _journey(gateway, year)
        events, _ = await read_all(gateway, year.pilot, contractCode=new_contract)
        about = [event for event in events if event["resourceId"] == application]
        assert [event["type"] for event in about] == [
            "application.created",
            "application.changed",
            "application.submitted",
            *["application.state_changed"] * 5,
            "tranches.planned",
        ]
        assert all(event["contractCode"] == new_contract for event in about)
        assert all(event["related"]["operatorId"] == year.operator_id for event in about)
        read = await gateway.get(f"{API}/applications/{application}", headers=year.pilot)
        assert about[-2]["etag"] == read.headers["etag"]  # notified: the application's last version
        assert about[-1]["etag"] is None  # the plan answers its tranches' ETag, not the application's
        lines = [event for event in events if event["type"] == "financing_line.decided"]
        assert [event["related"]["applicationId"] for event in lines] == [application, application]
        paid = [event for event in events if event["type"] == "tranche.paid"]
        assert len(paid) == 1
        assert paid[0]["related"] == {
            "applicationId": application,
            "institutionId": year.institutions["cua"],
            "operatorId": year.operator_id,
        }
    with step("an operator reads its own organisation's events, never another's"):
        theirs = await draft(gateway, replace(year, operator=year.other_operator, operator_id=year.other_operator_id))
        mine, _ = await read_all(gateway, year.operator, contractCode=new_contract)
        assert {event["related"]["operatorId"] for event in mine if "operatorId" in event["related"]} == {
            year.operator_id
        }
        assert {event["resourceType"] for event in mine if "operatorId" not in event["related"]} <= {
            "call_for_projects",
            "strategic_framework",
            "contract",  # territories: the contract's registration
        }
        assert theirs["id"] not in {event["resourceId"] for event in mine}
        others, _ = await read_all(gateway, year.other_operator, contractCode=new_contract)
        assert application not in {event["resourceId"] for event in others}
    with step("a filter on types keeps only those"):
        submitted, _ = await read_all(gateway, year.pilot, types="application.submitted", contractCode=new_contract)
        assert [event["resourceId"] for event in submitted] == [application]


async def test_a_cursor_resumes_exactly_across_pages(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    year = await open_year(stack, gateway, new_contract)
    for _ in range(3):
        await draft(gateway, year)
    whole, end = await read_all(gateway, year.pilot, contractCode=new_contract)
    paged, paged_end = await read_all(gateway, year.pilot, contractCode=new_contract, limit="2")
    assert [event["id"] for event in paged] == [event["id"] for event in whole]
    assert len({event["id"] for event in whole}) == len(whole) >= 9
    await draft(gateway, year)
    after, _ = await read_all(gateway, year.pilot, after=paged_end, contractCode=new_contract)
    assert [event["type"] for event in after] == ["application.created"]
    again, _ = await read_all(gateway, year.pilot, after=end, contractCode=new_contract)
    assert [event["id"] for event in again] == [event["id"] for event in after]


async def test_a_facilitator_follows_its_bodies_and_no_event_names_a_person(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    ours, theirs = await new_body(stack, gateway, new_contract), await new_body(stack, gateway, new_contract)
    facilitator = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=[ours])
    person = await new_person(gateway, pilot, new_contract, familyName="Zyxwvutsrq", givenName="Quillemette")
    given = await gateway.post(
        f"/api/participation/bodies/{ours}/mandates",
        json={"personId": person, "role": "member", "startsOn": "2025-01-15"},
        headers=pilot,
    )
    assert given.status_code == 201, given.text
    with step("a facilitator sees its body's events only; the pilot sees both bodies'"):
        seen, _ = await read_all(gateway, facilitator, contractCode=new_contract)
        assert {event["related"]["bodyId"] for event in seen if event["service"] == "participation"} == {ours}
        assert {"body.created", "mandate.given"} <= {event["type"] for event in seen}
        everything, _ = await read_all(gateway, pilot, contractCode=new_contract)
        assert {event["related"].get("bodyId") for event in everything} >= {ours, theirs}
    with step("no event holds the person's name or their id"):
        text = json.dumps(everything)
        assert "Zyxwvutsrq" not in text
        assert "Quillemette" not in text
        assert person not in text
    with step("the public reads nothing; another contract's caller nothing of this one"):
        assert (await gateway.get(FEED)).status_code == 401
        assert (await gateway.get(FEED, headers={"Authorization": "Bearer forged"})).status_code == 401
        document = (await gateway.get("/api/openapi.json")).json()
        assert document["paths"][FEED]["get"]["x-policy"] == "any authenticated caller", "as the feed answers"
        stranger = stack.headers([Role.CONTRACT_PILOT], ["CV-ELSEWHERE-2024"])
        elsewhere, _ = await read_all(gateway, stranger, contractCode=new_contract)
        assert elsewhere == []


async def test_a_cursor_no_longer_kept_is_a_410_and_a_malformed_one_a_422(
    stack: RunningStack, gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    unknown = await gateway.get(f"{API}/events", params={"after": "1.999999999"}, headers=admin)
    assert unknown.status_code == 410
    assert unknown.json()["oldestCursor"] == "0.0"
    _, end = await read_all(gateway, admin, types="contract.registered")
    composite = json.loads(__import__("base64").urlsafe_b64decode(end + "=" * (-len(end) % 4)))
    composite["grants"] = "1.999999999"
    forged = __import__("base64").urlsafe_b64encode(json.dumps(composite).encode()).decode()
    expired = await gateway.get(FEED, params={"after": forged}, headers=admin)
    assert expired.status_code == 410, expired.text
    assert expired.headers["content-type"].startswith("application/problem+json")
    oldest = expired.json()["oldestCursor"]
    assert (await gateway.get(FEED, params={"after": oldest, "limit": "1"}, headers=admin)).status_code == 200
    # The services still kept are read again from where they were asked, not past the page they answered.
    from_start = {"territories": "0.0", "grants": "1.999999999", "participation": "0.0"}
    asked = __import__("base64").urlsafe_b64encode(json.dumps(from_start).encode()).decode()
    again = await gateway.get(FEED, params={"after": asked, "limit": "1"}, headers=admin)
    assert again.status_code == 410, again.text
    oldest = again.json()["oldestCursor"]
    decoded = json.loads(__import__("base64").urlsafe_b64decode(oldest + "=" * (-len(oldest) % 4)))
    assert decoded == {"territories": "0.0", "grants": "0.0", "participation": "0.0"}
    for bad in ("not-a-cursor!", "e30"):
        malformed = await gateway.get(FEED, params={"after": bad}, headers=admin)
        assert malformed.status_code == 422
        assert malformed.json()["errors"][0]["field"] == "after"
    wrong_type = await gateway.get(FEED, params={"types": "application.exploded"}, headers=admin)
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["field"] == "types"
    # A filter that names nothing is refused, not read as "no type" (an empty page, as if nothing happened);
    # so by the gateway and by each service's own feed.
    for feed in (FEED, "/api/grants/events", "/api/participation/events"):
        for params, field, rule in (
            ({"types": ",,,"}, "types", "event-type-list"),
            ({"types": ""}, "types", "event-type-list"),
            ({"contractCode": ""}, "contractCode", None),
            ({"contractCode": "cv cua"}, "contractCode", None),
        ):
            refused = await gateway.get(feed, params=params, headers=admin)
            assert refused.status_code == 422, (feed, params, refused.text)
            error = refused.json()["errors"][0]
            assert error["field"] == field, (feed, params, error)
            assert rule is None or error["rule"] == rule


async def test_each_event_is_documented_as_it_is_delivered(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """The OpenAPI `webhooks` section documents each event as the feed and the webhooks carry it: the same
    members in its example (the `service` included) and Standard Webhooks' three signing headers."""
    year = await open_year(stack, gateway, new_contract)
    await draft(gateway, year)
    events, _ = await read_all(gateway, year.pilot, contractCode=new_contract)
    document = (await gateway.get("/api/openapi.json")).json()
    assert events
    for event in events:
        documented = document["webhooks"][event["type"]]["post"]
        example = documented["requestBody"]["content"]["application/json"]["example"]
        assert set(example) == set(event), event["type"]
        assert example["service"] == event["service"]
        headers = {parameter["name"] for parameter in documented["parameters"] if parameter["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
