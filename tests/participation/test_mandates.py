"""Versioned body rules, people whose identity is kept apart, mandates and their invariants."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.participation.bodies import new_body
from tests.participation.people import fictitious_person
from tests.running_stack import RunningStack

API = "/api/participation"


async def _person(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str, **extra: Any) -> str:
    body = fictitious_person(contract, givenName="Habitante", contact="fictive@example.org", **extra)
    created = await gateway.post(f"{API}/people", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert "Fictive" not in created.text  # the identity is stored apart and never answered
    return str(created.json()["id"])


async def test_rules_are_versioned_and_mandates_checked(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    body_id = await new_body(stack, gateway, new_contract)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    first = await write_if_match(gateway, "PUT", f"{API}/bodies/{body_id}/rules", json={"parity": True}, headers=pilot)
    assert first.status_code == 200, first.text
    second = await write_if_match(
        gateway,
        "PUT",
        f"{API}/bodies/{body_id}/rules",
        json={"parity": True, "residentsMinShare": "0.5", "forbiddenMemberKinds": ["elected"]},
        headers=pilot,
    )
    assert second.json()["version"] == 2
    versions = (await gateway.get(f"{API}/bodies/{body_id}/rules", headers=pilot)).json()
    assert [(item["version"], item["forbiddenMemberKinds"]) for item in versions] == [(1, []), (2, ["elected"])]
    woman = await _person(gateway, pilot, new_contract)
    given = await gateway.post(
        f"{API}/bodies/{body_id}/mandates", json={"personId": woman, "startsOn": "2025-01-01"}, headers=pilot
    )
    assert given.status_code == 201, given.text
    assert given.json()["warnings"] == []
    second_woman = await _person(gateway, pilot, new_contract)
    third_woman = await _person(gateway, pilot, new_contract)
    for person in (second_woman, third_woman):
        response = await gateway.post(
            f"{API}/bodies/{body_id}/mandates", json={"personId": person, "startsOn": "2025-01-01"}, headers=pilot
        )
    assert response.json()["warnings"] == [{"rule": "parity", "message": "parity gap 3 (women 3, men 0) > 1"}]
    twice = await gateway.post(
        f"{API}/bodies/{body_id}/mandates",
        json={"personId": woman, "startsOn": "2025-06-01", "endsOn": "2026-06-01"},
        headers=pilot,
    )
    assert (twice.status_code, twice.json()["errors"][0]["rule"]) == (422, "one-active-mandate")
    backwards = await gateway.post(
        f"{API}/bodies/{body_id}/mandates",
        json={"personId": woman, "startsOn": "2030-01-01", "endsOn": "2029-01-01"},
        headers=pilot,
    )
    # Both rules it breaks, named at once: it ends before it starts, and she holds an open mandate already.
    assert backwards.status_code == 422
    assert backwards.json()["type"].endswith("/rules-broken")
    assert [(item["field"], item["rule"]) for item in backwards.json()["errors"]] == [
        ("endsOn", "after-start"),
        ("personId", "one-active-mandate"),
    ]
    elected = await _person(gateway, pilot, new_contract, memberKind="elected", gender="m")
    excluded = await gateway.post(
        f"{API}/bodies/{body_id}/mandates", json={"personId": elected, "startsOn": "2025-01-01"}, headers=pilot
    )
    assert (excluded.status_code, excluded.json()["errors"][0]["rule"]) == (422, "member-kind-allowed")


async def _body_and_member(
    stack: RunningStack, gateway: httpx.AsyncClient, contract: str
) -> tuple[str, dict[str, str], str]:
    """A body of the contract, its pilot's headers, and a person to give a mandate to."""
    body_id = await new_body(stack, gateway, contract)
    pilot = stack.headers([Role.CONTRACT_PILOT], [contract])
    return body_id, pilot, await _person(gateway, pilot, contract)


async def test_a_dissolved_body_gives_no_mandate_and_every_broken_rule_is_named(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    body_id, pilot, person = await _body_and_member(stack, gateway, new_contract)
    dissolved = await write_if_match(
        gateway, "PATCH", f"{API}/bodies/{body_id}", json={"status": "dissolved"}, headers=pilot
    )
    assert dissolved.status_code == 200, dissolved.text
    refused = await gateway.post(
        f"{API}/bodies/{body_id}/mandates", json={"personId": person, "startsOn": "2025-01-01"}, headers=pilot
    )
    assert refused.status_code == 422
    assert [(item["field"], item["rule"]) for item in refused.json()["errors"]] == [("bodyId", "body-not-dissolved")]
    both = await gateway.post(
        f"{API}/bodies/{body_id}/mandates",
        json={"personId": person, "startsOn": "2025-01-01", "endsOn": "2024-01-01"},
        headers=pilot,
    )
    assert (both.status_code, both.json()["title"]) == (422, "Rules broken")
    assert [item["rule"] for item in both.json()["errors"]] == ["body-not-dissolved", "after-start"]


async def test_a_body_s_dates_bound_its_mandates(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    body_id, pilot, person = await _body_and_member(stack, gateway, new_contract)
    backwards = await write_if_match(
        gateway,
        "PATCH",
        f"{API}/bodies/{body_id}",
        json={"establishedOn": "2020-01-01", "dissolvedOn": "2019-01-01"},
        headers=pilot,
    )
    assert [(item["field"], item["rule"]) for item in backwards.json()["errors"]] == [
        ("dissolvedOn", "after-established")
    ]
    dated = await write_if_match(
        gateway,
        "PATCH",
        f"{API}/bodies/{body_id}",
        json={"status": "dissolved", "establishedOn": "2016-06-01", "dissolvedOn": "2023-12-31"},
        headers=pilot,
    )
    assert dated.status_code == 200, dated.text
    assert (dated.json()["establishedOn"], dated.json()["dissolvedOn"]) == ("2016-06-01", "2023-12-31")
    past = await gateway.post(
        f"{API}/bodies/{body_id}/mandates",
        json={"personId": person, "startsOn": "2019-01-01", "endsOn": "2022-06-30"},
        headers=pilot,
    )
    assert past.status_code == 201, past.text  # the history of a dissolved body may be recorded
    for term, rule in (
        ({"startsOn": "2024-01-01"}, "body-not-dissolved"),
        ({"startsOn": "2023-01-01", "endsOn": "2024-06-30"}, "body-not-dissolved"),
        ({"startsOn": "2015-01-01", "endsOn": "2015-12-31"}, "body-established"),
    ):
        refused = await gateway.post(
            f"{API}/bodies/{body_id}/mandates", json={"personId": person, **term}, headers=pilot
        )
        assert (refused.status_code, [item["rule"] for item in refused.json()["errors"]]) == (422, [rule]), term


async def test_composition_hides_small_groups(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """Under 5 people a count is hidden, and so is the count that would give it away by subtraction from
    the members (the participation indicators' rule): 5 women of 6 members would tell the one man."""
    body_id = await new_body(stack, gateway, new_contract)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])

    async def appoint(gender: str, starts_on: str, **person: str) -> None:
        someone = await _person(gateway, pilot, new_contract, gender=gender, **person)
        given = await gateway.post(
            f"{API}/bodies/{body_id}/mandates", json={"personId": someone, "startsOn": starts_on}, headers=pilot
        )
        assert given.status_code == 201, given.text

    async def composition(on: str) -> dict[str, object]:
        read = await gateway.get(f"{API}/bodies/{body_id}/composition", params={"on": on}, headers=pilot)
        assert read.status_code == 200, read.text
        document: dict[str, object] = read.json()
        return document

    for index in range(6):
        await appoint("f" if index < 5 else "m", "2025-01-01")
    assert await composition("2025-03-01") == {
        "on": "2025-03-01",
        "members": 6,
        "women": None,
        "men": None,
        "residents": 6,  # and 0 others: a zero reveals no one
    }
    for _ in range(4):
        await appoint("m", "2025-04-01")
    assert await composition("2025-05-01") == {"on": "2025-05-01", "members": 10, "women": 5, "men": 5, "residents": 10}
    await appoint("m", "2025-06-01", memberKind="association")
    assert await composition("2025-07-01") == {
        "on": "2025-07-01",
        "members": 11,
        "women": 5,
        "men": 6,
        "residents": None,  # 10 of 11 would tell the one association's member
    }
    before = (
        await gateway.get(f"{API}/bodies/{body_id}/composition", params={"on": "2024-12-31"}, headers=pilot)
    ).json()
    assert before["members"] == 0
    # Its runners' only: compared from one day to the next, it told a partner the gender and residence of the
    # one member who joined in between (10 → 11 members, 5 → 6 men, 10 → 10 residents).
    url = f"{API}/bodies/{body_id}/composition"
    facilitator = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=[body_id])
    assert (await gateway.get(url, params={"on": "2025-07-01"}, headers=facilitator)).status_code == 200
    for partner in (Role.CO_FINANCER, Role.STATE, Role.AUDITOR):
        refused = await gateway.get(url, params={"on": "2025-07-01"}, headers=stack.headers([partner], [new_contract]))
        assert refused.status_code == 403, (partner, refused.text)
    elsewhere = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=[str(uuid.uuid4())])
    assert (await gateway.get(url, params={"on": "2025-07-01"}, headers=elsewhere)).status_code == 403


async def test_who_manages_members(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> None:
    body_id = await new_body(stack, gateway, new_contract)
    operator = stack.headers([Role.OPERATOR], [new_contract])
    assert (
        await write_if_match(gateway, "PUT", f"{API}/bodies/{body_id}/rules", json={}, headers=operator)
    ).status_code == 403
    stranger = stack.headers([Role.CONTRACT_PILOT], ["CV-ELSEWHERE"])
    assert (
        await write_if_match(gateway, "PUT", f"{API}/bodies/{body_id}/rules", json={}, headers=stranger)
    ).status_code == 404
    other_facilitator = stack.headers(
        [Role.BODY_FACILITATOR], [new_contract], bodies=["00000000-0000-0000-0000-000000000000"]
    )
    assert (
        await write_if_match(gateway, "PUT", f"{API}/bodies/{body_id}/rules", json={}, headers=other_facilitator)
    ).status_code == 403
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    other_contract_person = await gateway.post(
        f"{API}/people",
        json={
            "contractCode": "CV-ELSEWHERE",
            "gender": "m",
            "ageBand": "60+",
            "memberKind": "resident",
            "residentInQpv": False,
            "familyName": "X",
            "givenName": "Y",
        },
        headers=pilot,
    )
    assert other_contract_person.status_code == 403
    unknown = await gateway.post(
        f"{API}/bodies/{body_id}/mandates",
        json={"personId": "00000000-0000-0000-0000-000000000000", "startsOn": "2025-01-01"},
        headers=pilot,
    )
    assert unknown.status_code == 404


async def test_a_person_exports_and_erasure(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> None:
    body_id, pilot, person = await _body_and_member(stack, gateway, new_contract)
    given = await gateway.post(
        f"{API}/bodies/{body_id}/mandates", json={"personId": person, "startsOn": "2025-01-01"}, headers=pilot
    )
    assert given.status_code == 201
    exported = (await gateway.get(f"{API}/people/{person}/export", headers=pilot)).json()
    assert exported["identity"] == {"familyName": "Fictive", "givenName": "Habitante", "contact": "fictive@example.org"}
    assert [item["bodyId"] for item in exported["mandates"]] == [body_id]
    facilitator = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=[body_id])
    assert (await gateway.get(f"{API}/people/{person}/export", headers=facilitator)).status_code == 403
    erased = await gateway.post(f"{API}/people/{person}/erasure", headers=pilot)
    assert erased.json() == {"erasedNow": True}
    again = await gateway.post(f"{API}/people/{person}/erasure", headers=pilot)
    assert again.json() == {"erasedNow": False}
    after = (await gateway.get(f"{API}/people/{person}/export", headers=pilot)).json()
    assert after["identity"] is None
    assert len(after["mandates"]) == 1  # statistics keep the pseudonymous record and its mandates
    composition = (
        await gateway.get(f"{API}/bodies/{body_id}/composition", params={"on": "2025-02-01"}, headers=pilot)
    ).json()
    assert composition["members"] == 1
    unknown = await gateway.post(f"{API}/people/00000000-0000-0000-0000-000000000000/erasure", headers=pilot)
    assert unknown.status_code == 404
    stranger = stack.headers([Role.CONTRACT_PILOT], ["CV-ELSEWHERE"])
    assert (await gateway.get(f"{API}/people/{person}/export", headers=stranger)).status_code == 404


async def test_the_same_mandate_asked_several_times_at_once_is_given_once(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """Each request read the body's mandates before any was written: all found none, and each gave it."""
    body_id = await new_body(stack, gateway, new_contract)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    person = await _person(gateway, pilot, new_contract)
    asked = {"personId": person, "role": "member", "startsOn": "2025-01-01"}
    answers = await asyncio.gather(
        *(gateway.post(f"{API}/bodies/{body_id}/mandates", json=asked, headers=pilot) for _ in range(12))
    )
    assert sorted(answer.status_code for answer in answers) == [201] + [422] * 11, [a.text[:80] for a in answers]
    exported = await gateway.get(f"{API}/people/{person}/export", headers=pilot)
    assert len(exported.json()["mandates"]) == 1
