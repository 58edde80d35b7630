"""A fonds de participation des habitants: envelope, residents' projects, the committee's decision with
recusal of a member with a conflict of interest, the payment and the final report, to the cent."""

from __future__ import annotations

import httpx

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.participation.bodies import new_body
from tests.participation.people import new_person
from tests.running_stack import RunningStack
from tests.steps import step

API = "/api/participation"


async def _committee(stack: RunningStack, gateway: httpx.AsyncClient, contract: str) -> tuple[str, list[str]]:
    pilot = stack.headers([Role.CONTRACT_PILOT], [contract])
    created = await gateway.post(
        f"{API}/bodies",
        json={
            "contractCode": contract,
            "name": "Comité du fonds de participation des habitants",
            "kind": "comite_fonds_participation",
            "participationLevel": "co_decision",
        },
        headers=pilot,
    )
    body_id = created.json()["id"]
    members = []
    for index in range(4):
        fields = {"gender": "fm"[index % 2], "familyName": f"Fictif{index}", "givenName": "Membre"}
        members.append(await new_person(gateway, pilot, contract, **fields))
        mandate = {"personId": members[-1], "startsOn": "2025-01-01"}
        assert (await gateway.post(f"{API}/bodies/{body_id}/mandates", json=mandate, headers=pilot)).status_code == 201
    return body_id, members


PROJECT = {
    "title": "Fête des voisins rue des Fictifs",
    "groupName": "Collectif des voisins",
    "description": "Un repas partagé",
    "qpvCodes": ["QN06261M"],
    "amountRequested": "1200.50",
}
DECISION = {"decidedOn": "2025-03-10", "amountGranted": "1000.00", "votesFor": 3, "votesAgainst": 1}


async def test_a_fund_decides_with_recusal_pays_and_gets_its_report(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    committee, members = await _committee(stack, gateway, new_contract)
    with step("a fund of 3,000 € is opened for its committee, and only a fund committee's"):
        not_a_committee = await new_body(stack, gateway, new_contract)
        wrong = await gateway.post(
            f"{API}/citizen-funds",
            json={"committeeBodyId": not_a_committee, "name": "FPH 2025", "year": 2025, "envelope": "3000"},
            headers=pilot,
        )
        assert (wrong.status_code, wrong.json()["errors"][0]["rule"]) == (422, "fund-committee")
        opened = await gateway.post(
            f"{API}/citizen-funds",
            json={"committeeBodyId": committee, "name": "FPH 2025", "year": 2025, "envelope": "3000"},
            headers=pilot,
        )
        assert opened.status_code == 201, opened.text
    fund_url = f"{API}/citizen-funds/{opened.json()['id']}"
    with step("residents apply, to the cent"):
        submitted = await gateway.post(f"{fund_url}/applications", json=PROJECT, headers=pilot)
        assert (submitted.status_code, submitted.json()["amountRequested"]) == (201, "1200.50")
        too_precise = await gateway.post(
            f"{fund_url}/applications", json={**PROJECT, "amountRequested": "12.345"}, headers=pilot
        )
        assert too_precise.status_code == 422
    application = f"{API}/fund-applications/{submitted.json()['id']}"
    with step("a member with a conflict of interest does not vote; the committee grants within the request"):
        await _decided_with_recusal(gateway, pilot, application, members)
    with step("a second project is granted within what is left of the envelope, and a refusal grants nothing"):
        second = await gateway.post(
            f"{fund_url}/applications", json={**PROJECT, "amountRequested": "2500"}, headers=pilot
        )
        await _refused_beyond_the_envelope_or_with_money(
            gateway, pilot, f"{API}/fund-applications/{second.json()['id']}", members
        )
    with step("what was granted is paid, once, within the grant, and the project reports within what was paid"):
        await _paid_and_reported(gateway, pilot, application)
    with step("the fund's totals, for its contract only"):
        fund = (await gateway.get(fund_url, headers=pilot)).json()
        assert (fund["envelope"], fund["granted"], fund["paid"], fund["remaining"]) == (
            "3000.00",
            "1000.00",
            "1000.00",
            "2000.00",
        )
        stranger = stack.headers([Role.CONTRACT_PILOT], ["OTHER-CONTRACT"])
        assert (await gateway.get(fund_url, headers=stranger)).status_code == 404
        payment = {"paidOn": "2025-03-21", "amount": "1"}
        assert (await gateway.post(f"{application}/payment", json=payment, headers=stranger)).status_code == 404


async def _decided_with_recusal(
    gateway: httpx.AsyncClient, pilot: dict[str, str], application: str, members: list[str]
) -> None:
    """The first member declares a conflict of interest: a vote with them is refused, naming them; the three
    others grant 1,000 € of the 1,200.50 € asked (not a cent more than asked)."""
    conflict = await gateway.post(
        f"{application}/conflicts", json={"personId": members[0], "declaredOn": "2025-03-01"}, headers=pilot
    )
    assert conflict.status_code == 204, conflict.text
    recused = await gateway.post(f"{application}/decision", json={**DECISION, "voterIds": members}, headers=pilot)
    assert recused.status_code == 422
    assert recused.json()["errors"][0] == {
        "pointer": "/body/voterIds/0",
        "field": "voterIds/0",
        "rule": "recusal",
        "message": "a member with a declared conflict of interest does not vote",
    }
    # One member named three times is one vote, not three.
    repeated = {**DECISION, "voterIds": [members[1]] * 3, "votesFor": 3}
    once = await gateway.post(f"{application}/decision", json=repeated, headers=pilot)
    assert once.status_code == 422, once.text
    assert [(error["field"], error["rule"]) for error in once.json()["errors"]] == [
        ("voterIds/1", "one-vote-per-voter"),
        ("voterIds/2", "one-vote-per-voter"),
        ("votesFor", "votes-within-voters"),
    ]
    without_the_first = {**DECISION, "voterIds": members[1:], "votesFor": 2}
    over = await gateway.post(
        f"{application}/decision", json={**without_the_first, "amountGranted": "1200.51"}, headers=pilot
    )
    assert (over.status_code, over.json()["errors"][0]["rule"]) == (422, "granted-within-requested")
    decided = await gateway.post(f"{application}/decision", json=without_the_first, headers=pilot)
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["amountGranted"]) == ("granted", "1000.00")


async def _refused_beyond_the_envelope_or_with_money(
    gateway: httpx.AsyncClient, pilot: dict[str, str], application: str, members: list[str]
) -> None:
    """2,000 € are left of the envelope: 2,000.01 € is refused; a refusal grants 0 €."""
    unanimous = {**DECISION, "voterIds": members, "votesFor": 4, "votesAgainst": 0}
    beyond = await gateway.post(
        f"{application}/decision", json={**unanimous, "amountGranted": "2000.01"}, headers=pilot
    )
    assert (beyond.status_code, beyond.json()["errors"][0]["rule"]) == (422, "within-envelope")
    against = {**unanimous, "votesFor": 1, "votesAgainst": 3, "amountGranted": "5"}
    refused_with_money = await gateway.post(f"{application}/decision", json=against, headers=pilot)
    assert (refused_with_money.status_code, refused_with_money.json()["errors"][0]["rule"]) == (
        422,
        "refused-is-zero",
    )


async def _paid_and_reported(gateway: httpx.AsyncClient, pilot: dict[str, str], application: str) -> None:
    overpaid = await gateway.post(
        f"{application}/payment", json={"paidOn": "2025-03-20", "amount": "1000.01"}, headers=pilot
    )
    assert (overpaid.status_code, overpaid.json()["errors"][0]["rule"]) == (422, "paid-within-granted")
    paid = await gateway.post(f"{application}/payment", json={"paidOn": "2025-03-20", "amount": "1000"}, headers=pilot)
    assert (paid.status_code, paid.json()["status"], paid.json()["amountPaid"]) == (200, "paid", "1000.00")
    twice = await gateway.post(f"{application}/payment", json={"paidOn": "2025-03-21", "amount": "1"}, headers=pilot)
    assert (twice.status_code, twice.json()["errors"][0]["rule"]) == (422, "granted-first")
    report = {"reportedOn": "2025-07-01", "spent": "1000.02", "participants": 80, "text": "Repas pour 80 voisins"}
    overspent = await write_if_match(gateway, "PUT", f"{application}/report", json=report, headers=pilot)
    assert (overspent.status_code, overspent.json()["errors"][0]["rule"]) == (422, "spent-within-paid")
    reported = await write_if_match(
        gateway, "PUT", f"{application}/report", json={**report, "spent": "950.25"}, headers=pilot
    )
    assert (reported.status_code, reported.json()["spent"], reported.json()["status"]) == (200, "950.25", "reported")
