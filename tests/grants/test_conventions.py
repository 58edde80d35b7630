"""Conventions: a CPO over four years with an amendment and its history, the terms refused, the 23,000 €
rule at notification, and who sees and manages which convention."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.grants.playbook import (
    API,
    Year,
    budget,
    decide_line,
    draft,
    move,
    next_year,
    notify,
    open_year,
    send,
    submit,
)
from tests.running_stack import RunningStack
from tests.steps import step

CONVENTIONS = f"{API}/conventions"


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


def cpo(year: Year, **changes: Any) -> dict[str, Any]:
    state, cua = year.institutions["etat-p147"], year.institutions["cua"]
    body: dict[str, Any] = {
        "contractCode": year.contract,
        "operatorId": year.operator_id,
        "reference": "CPO-2025-012",
        "kind": "multi_year",
        "firstYear": 2025,
        "lastYear": 2028,
        "amounts": [
            *({"year": y, "institutionId": state, "amount": "12000"} for y in range(2025, 2029)),
            *({"year": y, "institutionId": cua, "amount": "5000.50"} for y in range(2025, 2029)),
        ],
        "total": "68002.00",
    }
    return {**body, **changes}


async def convene(gateway: httpx.AsyncClient, year: Year, body: dict[str, Any]) -> dict[str, Any]:
    created = await gateway.post(CONVENTIONS, json=body, headers=year.pilot)
    assert created.status_code == 201, created.text
    document: dict[str, Any] = created.json()
    return document


async def act(
    gateway: httpx.AsyncClient, convention: str, headers: dict[str, str], move_name: str, **extra: Any
) -> httpx.Response:
    return await send(gateway, "POST", f"{CONVENTIONS}/{convention}/transitions", headers, {"move": move_name, **extra})


async def test_a_cpo_over_four_years_signed_amended_suspended_and_terminated(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    with step("the CPO is drafted: the State's 2025 credits voted, its other amounts planned"):
        envelope = await write_if_match(
            gateway,
            "PUT",
            f"{API}/calls/{year.call_id}/envelopes/{year.institutions['etat-p147']}",
            json={"amount": "900000"},
            headers=year.pilot,
        )
        assert envelope.status_code == 200, envelope.text
        convention = await convene(gateway, year, cpo(year))
        assert (convention["status"], convention["total"]) == ("draft", "68002.00")
        credits = {(item["year"], item["institutionCode"]): item["credits"] for item in convention["amounts"]}
        assert credits[(2025, "etat-p147")] == "voted"
        assert credits[(2025, "cua")] == "planned"
        assert {credits[(later, "etat-p147")] for later in (2026, 2027, 2028)} == {"planned"}
    with step("it is signed on the day it says"):
        url = f"{CONVENTIONS}/{convention['id']}"
        unsigned = await act(gateway, convention["id"], year.pilot, "sign")
        assert unsigned.status_code == 422
        assert unsigned.json()["errors"][0]["rule"] == "signature-date"
        signed = await act(gateway, convention["id"], year.pilot, "sign", on="2025-01-20")
        assert signed.status_code == 200, signed.text
        assert (signed.json()["status"], signed.json()["signedOn"]) == ("signed", "2025-01-20")
    with step("an amendment, with its reason and the current ETag, lowers the State's 2027 amount"):
        amounts = cpo(year)["amounts"]
        amounts[2]["amount"] = "10000"  # the State's 2027 amount
        no_reason = await gateway.post(
            f"{url}/amendments",
            json={"lastYear": 2028, "amounts": amounts},
            headers={**year.pilot, "If-Match": signed.headers["etag"]},
        )
        assert no_reason.status_code == 422
        stale = await gateway.post(
            f"{url}/amendments",
            json={"reason": "Avenant n°1", "lastYear": 2028, "amounts": amounts},
            headers={**year.pilot, "If-Match": convention["id"]},
        )
        assert stale.status_code == 412
        amended = await send(
            gateway,
            "POST",
            f"{url}/amendments",
            year.pilot,
            {"reason": "Avenant n°1: baisse 2027", "lastYear": 2028, "amounts": amounts},
        )
        assert amended.status_code == 200, amended.text
        assert amended.json()["total"] == "66002.00"
        history = amended.json()["events"]
        assert [event["event"] for event in history] == ["sign", "amend"]
        assert history[1]["reason"] == "Avenant n°1: baisse 2027"
        before = {(item["year"], item["amountCents"]) for item in history[1]["details"]["amountsBefore"]}
        after = {(item["year"], item["amountCents"]) for item in history[1]["details"]["amountsAfter"]}
        assert (2027, 1_200_000) in before - after
        assert (2027, 1_000_000) in after - before
    with step("suspended with a reason it takes no amendment; resumed, then terminated"):
        no_reason_suspension = await act(gateway, convention["id"], year.pilot, "suspend")
        assert no_reason_suspension.status_code == 422
        assert no_reason_suspension.json()["errors"][0]["rule"] == "reason-required"
        suspended = await act(gateway, convention["id"], year.pilot, "suspend", reason="Bilan 2025 manquant")
        assert suspended.json()["status"] == "suspended"
        frozen = await send(
            gateway, "POST", f"{url}/amendments", year.pilot, {"reason": "x", "lastYear": 2028, "amounts": amounts}
        )
        assert frozen.status_code == 409
        assert (await act(gateway, convention["id"], year.pilot, "resume")).json()["status"] == "signed"
        terminated = await act(
            gateway, convention["id"], year.pilot, "terminate", reason="Dissolution de l'association"
        )
        assert terminated.json()["status"] == "terminated"
        again = await act(gateway, convention["id"], year.pilot, "sign", on="2025-02-01")
        assert again.status_code == 409
        assert again.json()["errors"][0]["field"] == "move"
        assert [event["event"] for event in terminated.json()["events"]] == [
            "sign",
            "amend",
            "suspend",
            "resume",
            "terminate",
        ]


# Every rule of a convention's terms: tests/grants/use_cases/test_conventions.py; here, how the API names them.
@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"lastYear": 2029}, "lastYear", "cpo-term"),
        ({"firstYear": 2026, "lastYear": 2028}, "amounts/0/year", "year-in-term"),
    ],
)
async def test_terms_that_break_a_rule_are_refused_naming_it(
    gateway: httpx.AsyncClient, year: Year, changes: dict[str, Any], field: str, rule: str
) -> None:
    refused = await gateway.post(CONVENTIONS, json=cpo(year, **changes), headers=year.pilot)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert (refused.json()["errors"][0]["field"], refused.json()["errors"][0]["rule"]) == (field, rule)
    listed = await gateway.get(CONVENTIONS, params={"contractCode": year.contract}, headers=year.pilot)
    assert listed.json()["total"] == 0


async def test_terms_answer_every_rule_they_break_at_once(gateway: httpx.AsyncClient, year: Year) -> None:
    refused = await gateway.post(CONVENTIONS, json=cpo(year, firstYear=2026, total="1.00"), headers=year.pilot)
    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/rules-broken"), refused.text
    assert [(error["field"], error["rule"]) for error in refused.json()["errors"]] == [
        ("amounts/0/year", "year-in-term"),
        ("amounts/4/year", "year-in-term"),
        ("total", "total-is-sum-of-years"),
    ]


async def test_amounts_that_are_not_exact_or_not_unique_are_refused(gateway: httpx.AsyncClient, year: Year) -> None:
    body = cpo(year)
    body["amounts"][0]["amount"] = "12 000,50"
    assert (await gateway.post(CONVENTIONS, json=body, headers=year.pilot)).status_code == 422
    body = cpo(year, total=None)
    body["amounts"].append(dict(body["amounts"][0]))
    duplicated = await gateway.post(CONVENTIONS, json=body, headers=year.pilot)
    assert duplicated.json()["errors"][0]["rule"] == "one-amount-per-year-and-financer"
    body = cpo(year, total=None)
    body["amounts"] = [item for item in body["amounts"] if item["year"] != 2026]
    assert (await gateway.post(CONVENTIONS, json=body, headers=year.pilot)).json()["errors"][0]["rule"] == (
        "every-year-funded"
    )
    await convene(gateway, year, cpo(year))
    assert (await gateway.post(CONVENTIONS, json=cpo(year), headers=year.pilot)).status_code == 409


def large_budget(year: Year) -> dict[str, Any]:
    return {
        "lines": [
            {"account": "60", "label": "Achats", "amount": "3000"},
            {"account": "64", "label": "Salaires", "amount": "27000"},
            {"account": "74", "label": "État", "amount": "24000", "institutionId": year.institutions["etat-p147"]},
            {"account": "74", "label": "CUA", "amount": "4000", "institutionId": year.institutions["cua"]},
            {"account": "75", "label": "Cotisations", "amount": "2000"},
        ]
    }


async def decided_above_threshold(gateway: httpx.AsyncClient, year: Year) -> str:
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, large_budget(year))).status_code == 200
    assert (await submit(gateway, year, application["id"], year.operator)).status_code == 200
    for transition in ("declare_receivable", "instruct"):
        assert (await move(gateway, application["id"], year.state, transition)).status_code == 200
    assert (await move(gateway, application["id"], year.pilot, "propose")).status_code == 200
    for code, amount in (("etat-p147", "24000"), ("cua", "4000")):
        decided = await decide_line(gateway, year, application["id"], code, amount)
        assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "decided"
    return str(application["id"])


async def test_a_decision_above_23000_euros_is_notified_under_a_signed_convention_only(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    application = await decided_above_threshold(gateway, year)
    refused = await notify(gateway, year, application)
    assert refused.status_code == 422
    assert [error["rule"] for error in refused.json()["errors"]] == ["convention-required"]
    assert "ETAT-P147" in refused.json()["errors"][0]["message"]
    assert "24\u202f000 €" in refused.json()["errors"][0]["message"]

    annual = {
        "contractCode": year.contract,
        "operatorId": year.operator_id,
        "reference": "CONV-2025-001",
        "kind": "annual",
        "firstYear": 2025,
        "lastYear": 2025,
        "amounts": [{"year": 2025, "institutionId": year.institutions["etat-p147"], "amount": "24000"}],
    }
    created = await gateway.post(CONVENTIONS, json=annual, headers=year.state)
    assert created.status_code == 201, created.text
    convention = created.json()["id"]
    assert (await notify(gateway, year, application)).status_code == 422  # still a draft
    assert (await act(gateway, convention, year.state, "sign", on="2025-02-03")).status_code == 200
    notified = await notify(gateway, year, application)
    assert notified.status_code == 200, notified.text
    assert notified.json()["state"] == "notified"

    attached = await write_if_match(
        gateway,
        "PUT",
        f"{CONVENTIONS}/{convention}/years/2025/application",
        json={"applicationId": application},
        headers=year.state,
    )
    assert attached.status_code == 200, attached.text
    assert attached.json()["applications"] == [{"year": 2025, "applicationId": application}]
    twice = await write_if_match(
        gateway,
        "PUT",
        f"{CONVENTIONS}/{convention}/years/2025/application",
        json={"applicationId": application},
        headers=year.state,
    )
    assert twice.status_code == 409
    outside = await write_if_match(
        gateway,
        "PUT",
        f"{CONVENTIONS}/{convention}/years/2026/application",
        json={"applicationId": application},
        headers=year.state,
    )
    assert outside.json()["errors"][0]["rule"] == "year-in-term"


async def test_operators_see_their_own_conventions_and_only_parties_manage_them(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    convention = await convene(gateway, year, cpo(year))
    url = f"{CONVENTIONS}/{convention['id']}"
    assert (await gateway.get(url, headers=year.operator)).status_code == 200
    assert (await gateway.get(url, headers=year.other_operator)).status_code == 404
    listed = await gateway.get(CONVENTIONS, params={"contractCode": year.contract}, headers=year.other_operator)
    assert listed.json()["total"] == 0
    etag = (await gateway.get(url, headers=year.pilot)).headers["etag"]
    sign = {"move": "sign", "on": "2025-01-20"}
    # The CAF finances the contract, not this convention: it is as missing to the CAF as to another operator.
    assert (
        await gateway.post(f"{url}/transitions", json=sign, headers={**year.caf, "If-Match": etag})
    ).status_code == 404
    assert (await act(gateway, convention["id"], year.operator, "sign", on="2025-01-20")).status_code == 403
    assert (
        await gateway.post(CONVENTIONS, json=cpo(year, reference="CPO-X"), headers=year.operator)
    ).status_code == 403
    assert (await act(gateway, convention["id"], year.state, "sign", on="2025-01-20")).status_code == 200


async def test_a_cpo_year_is_renewed_from_the_previous_years_application(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    convention = (await convene(gateway, year, cpo(year)))["id"]
    first = await draft(gateway, year)
    assert (
        await send(gateway, "PUT", f"{API}/applications/{first['id']}/budget", year.operator, budget(year))
    ).status_code == 200
    attached = await write_if_match(
        gateway,
        "PUT",
        f"{CONVENTIONS}/{convention}/years/2025/application",
        json={"applicationId": first["id"]},
        headers=year.pilot,
    )
    assert attached.status_code == 200, attached.text
    call_2026 = (await next_year(gateway, year)).call_id
    years = f"{CONVENTIONS}/{convention}/years"
    wrong_call = await gateway.post(f"{years}/2026/application", json={"callId": year.call_id}, headers=year.operator)
    assert wrong_call.json()["errors"][0]["rule"] == "call-of-year"
    assert (
        await gateway.post(f"{years}/2026/application", json={"callId": call_2026}, headers=year.other_operator)
    ).status_code == 404
    renewed = await gateway.post(f"{years}/2026/application", json={"callId": call_2026}, headers=year.operator)
    assert renewed.status_code == 201, renewed.text
    links = {item["year"]: item["applicationId"] for item in renewed.json()["applications"]}
    assert links[2025] == first["id"]
    second = await gateway.get(f"{API}/applications/{links[2026]}", headers=year.operator)
    document = second.json()
    assert (document["title"], document["state"], document["year"]) == (first["title"], "draft", 2026)
    assert (document["startsOn"], document["endsOn"]) == ("2026-09-01", "2027-06-30")
    assert document["previousApplicationId"] == first["id"]
    assert document["actionId"] == first["actionId"]
    assert document["dauphinNumber"] is None
    assert [(line["account"], line["amount"]) for line in document["budget"]["lines"]] == [
        (line["account"], f"{int(line['amount'])}.00") for line in budget(year)["lines"]
    ]
    again = await gateway.post(f"{years}/2026/application", json={"callId": call_2026}, headers=year.operator)
    assert again.status_code == 409
    gap = await gateway.post(f"{years}/2028/application", json={"callId": call_2026}, headers=year.operator)
    assert gap.json()["errors"][0]["rule"] == "previous-year-linked"
    first_year = await gateway.post(f"{years}/2025/application", json={"callId": year.call_id}, headers=year.operator)
    assert first_year.json()["errors"][0]["rule"] == "renewed-year"


async def test_a_convention_is_read_by_its_parties_the_pilots_the_state_and_auditors_only(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    """The CAF co-finances the contract but is no party to this CPO (the State and the CUA are): its
    conventions, indicators, final evaluation and the operator's agreements answer as missing records."""
    convention = await convene(gateway, year, cpo(year))
    url = f"{CONVENTIONS}/{convention['id']}"
    defined = await write_if_match(
        gateway, "PUT", f"{url}/indicators", json={"indicators": INDICATORS}, headers=year.operator
    )
    assert defined.status_code == 200, defined.text
    assert (await act(gateway, convention["id"], year.state, "sign", on="2025-01-20")).status_code == 200
    cua_financer = stack.headers([Role.CO_FINANCER], [year.contract], institution="cua")
    auditor = stack.headers([Role.AUDITOR], [year.contract], institution="cour-des-comptes")
    readers = {
        "pilot": year.pilot,
        "state": year.state,
        "party co-financer": cua_financer,
        "operator": year.operator,
        "auditor": auditor,
    }
    for name, headers in readers.items():
        for path in ("", "/indicators", "/final-evaluation"):
            assert (await gateway.get(url + path, headers=headers)).status_code == 200, (name, path)
        listed = await gateway.get(CONVENTIONS, params={"contractCode": year.contract}, headers=headers)
        assert [item["id"] for item in listed.json()["items"]] == [convention["id"]], name
    for name, headers in {"other co-financer": year.caf, "other operator": year.other_operator}.items():
        for path in ("", "/indicators", "/final-evaluation"):
            hidden = await gateway.get(url + path, headers=headers)
            assert hidden.status_code == 404, (name, path)
            assert hidden.json()["type"] == "/problems/not-found"
        listed = await gateway.get(CONVENTIONS, params={"contractCode": year.contract}, headers=headers)
        assert listed.json()["total"] == 0, name
    written = await gateway.put(f"{url}/indicators", json={"indicators": INDICATORS}, headers=year.caf)
    assert written.status_code == 404
    history = await gateway.get(f"{API}/operators/{year.operator_id}/history", headers=year.caf)
    assert history.status_code == 200, history.text
    assert history.json()["conventions"] == []
    party_history = await gateway.get(f"{API}/operators/{year.operator_id}/history", headers=cua_financer)
    assert [item["reference"] for item in party_history.json()["conventions"]] == ["CPO-2025-012"]
    dashboards = {
        name: (
            await gateway.get(f"{API}/evaluation/years/2025", params={"contractCode": year.contract}, headers=headers)
        ).json()
        for name, headers in (("caf", year.caf), ("cua", cua_financer), ("pilot", year.pilot))
    }
    assert [item["code"] for item in dashboards["pilot"]["indicators"]] == ["PART-QPV"]
    assert dashboards["cua"]["indicators"] == dashboards["pilot"]["indicators"]
    assert dashboards["caf"]["indicators"] == []
    assert dashboards["caf"]["indicatorSummary"] == dashboards["pilot"]["indicatorSummary"]  # the contract's figure
    # Nor does the CAF read its events, in the feed as in its webhooks: it read the signature there.
    types = {"contractCode": year.contract, "types": "convention.created,convention.signed"}
    for feed in ("/api/events", f"{API}/events"):
        seen = {
            name: [
                (item["type"], item["resourceId"])
                for item in (await gateway.get(feed, params=types, headers=headers)).json()["items"]
            ]
            for name, headers in (("caf", year.caf), ("cua", cua_financer), ("pilot", year.pilot))
        }
        expected = [("convention.created", convention["id"]), ("convention.signed", convention["id"])]
        assert (seen["pilot"], seen["cua"], seen["caf"]) == (expected, expected, []), feed


INDICATORS = [
    {
        "code": "PART-QPV",
        "label": "Habitants des QPV accueillis",
        "unit": "personnes",
        "baseline": "40",
        "targets": {"2025": "60", "2028": "120"},
    }
]
