"""Connected programmes through the gateway, as their users call them: the CUA's demo read by the public,
a pilot recording a TFPB plan and its year, Quartiers d'été read from its call, every bad input refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.grants.playbook import API, Year, notified, open_year
from tests.running_stack import CUA_CONTRACT, RunningStack
from tests.steps import step

TFPB: dict[str, Any] = {
    "kind": "tfpb_abatement",
    "nom": "Plan d'action TFPB — Quatre As",
    "landlord": "Pas-de-Calais Habitat",
    "qpvCodes": ["QN06258M"],
    "startYear": 2024,
    "source": {"document": "Convention d'utilisation de l'abattement TFPB 2024", "date": "2024-03-01"},
}
YEAR_2025: dict[str, Any] = {
    "amount": "120000.00",
    "measures": [{"measure": "actions", "value": 5}],
    "axes": [
        {"axis": "sur_entretien", "planned": "70000", "realised": "65000.50", "actions": ["Halls"]},
        {"axis": "animation_lien_social", "planned": "50000.00", "realised": "41000", "actions": ["Courtoisie"]},
    ],
    "source": {"document": "Bilan annuel du bailleur 2025", "date": "2026-03-15"},
}


def _errors(response: httpx.Response) -> set[tuple[str, str]]:
    return {(error["field"], error["rule"]) for error in response.json().get("errors", [])}


def _money(text: str | None) -> Decimal:
    return Decimal(text or "0")


async def _programmes(gateway: httpx.AsyncClient, contract: str, **query: Any) -> list[dict[str, Any]]:
    response = await gateway.get(f"{API}/programmes", params={"contractCode": contract, "limit": 100, **query})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _create(gateway: httpx.AsyncClient, pilot: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return await gateway.post(f"{API}/programmes", headers=pilot, json=body)


async def test_the_public_reads_the_cuas_programmes_and_their_fictitious_figures(gateway: httpx.AsyncClient) -> None:
    items = await _programmes(gateway, CUA_CONTRACT)
    kinds = {item["kind"] for item in items}
    assert kinds == {
        "tfpb_abatement",
        "cite_educative",
        "cite_emploi",
        "reussite_educative",
        "adultes_relais",
        "quartiers_ete",
    }
    declared = [item for item in items if item["kind"] != "quartiers_ete"]
    assert all(year["fictitious"] for item in declared for year in item["years"])
    assert all({year["year"] for year in item["years"]} == {2024, 2025} for item in declared)
    assert all("ligne" in item["source"]["document"] for item in items)
    summer = next(item for item in items if item["kind"] == "quartiers_ete")
    assert summer["scheme"] == "quartiers_ete"
    assert [year["computedFrom"]["scheme"] for year in summer["years"]] == ["quartiers_ete", "quartiers_ete"]
    plan = next(item for item in items if item["kind"] == "tfpb_abatement" and item["years"][0]["axes"])
    first = plan["years"][0]
    assert _money(first["realisedAmount"]) == sum(_money(axis["realised"]) for axis in first["axes"])
    assert _money(first["plannedOnAxes"]) == sum(_money(axis["planned"]) for axis in first["axes"])


async def test_the_years_summary_sums_what_the_programmes_say(gateway: httpx.AsyncClient) -> None:
    running = await _programmes(gateway, CUA_CONTRACT, year=2024)
    response = await gateway.get(f"{API}/programme-totals", params={"contractCode": CUA_CONTRACT, "year": 2024})
    assert response.status_code == 200, response.text
    summary = response.json()
    by_kind = {item["kind"]: item for item in summary["byKind"]}
    for kind, total in by_kind.items():
        mine = [item for item in running if item["kind"] == kind]
        assert total["programmes"] == len(mine)
        amounts = [_money(year["amount"]) for item in mine for year in item["years"] if year["year"] == 2024]
        assert _money(total["amount"]) == sum(amounts, Decimal(0))
        sources = {(item["id"], year["source"]["document"]) for item in mine for year in item["years"]}
        assert {(cited["programmeId"], cited["document"]) for cited in total["sources"]} == sources
    assert by_kind["reussite_educative"]["fictitious"] is True
    tfpb_on_qpvs = {item["qpvCode"]: item for item in summary["byQpv"] if item["kind"] == "tfpb_abatement"}
    for plan in (item for item in running if item["kind"] == "tfpb_abatement"):
        assert _money(tfpb_on_qpvs[plan["qpvCodes"][0]]["amount"]) == _money(plan["years"][0]["amount"])
    shared = [item for item in summary["byQpv"] if item["kind"] == "cite_emploi"]
    assert len(shared) == 6
    assert all(item["sharedProgrammes"] == 1 and item["amount"] is None for item in shared)


async def test_a_pilot_records_a_tfpb_plan_and_its_year(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    with step("the pilot records the plan, once even when the request is repeated"):
        key = {"Idempotency-Key": f"tfpb-{new_contract}"}
        created = await _create(gateway, {**pilot, **key}, {**TFPB, "contractCode": new_contract})
        assert created.status_code == 201, created.text
        again = await _create(gateway, {**pilot, **key}, {**TFPB, "contractCode": new_contract})
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == created.json()["id"]
        plan = created.json()
        url = f"{API}/programmes/{plan['id']}"
    with step("its year is declared with If-Match, and only with it"):
        assert (await gateway.put(f"{url}/years/2025", headers=pilot, json=YEAR_2025)).status_code == 428
        stale = {**pilot, "If-Match": created.headers["etag"] + "x"}
        assert (await gateway.put(f"{url}/years/2025", headers=stale, json=YEAR_2025)).status_code == 412
        written = await write_if_match(gateway, "PUT", f"{url}/years/2025", json=YEAR_2025, headers=pilot)
        assert written.status_code == 200, written.text
        year = written.json()["years"][0]
        assert (year["amount"], year["realisedAmount"], year["plannedOnAxes"]) == (
            "120000.00",
            "106000.50",
            "120000.00",
        )
        assert written.json()["version"] == plan["version"] + 1
    with step("anyone reads it, filtered by year, QPV and kind"):
        assert [item["id"] for item in await _programmes(gateway, new_contract, qpv="QN06258M")] == [plan["id"]]
        assert await _programmes(gateway, new_contract, qpv="QN06261M") == []
        assert await _programmes(gateway, new_contract, kind="cite_educative") == []
        assert (await _programmes(gateway, new_contract, year=2025))[0]["years"][0]["year"] == 2025
    with step("the pilot renames it; the change is an event of the contract's feed"):
        renamed = await write_if_match(gateway, "PATCH", url, json={"nom": "Plan TFPB 4 As"}, headers=pilot)
        assert renamed.status_code == 200, renamed.text
        feed = await gateway.get(
            f"{API}/events",
            headers=pilot,
            params={"contractCode": new_contract, "types": "programme.created,programme.updated"},
        )
        assert feed.status_code == 200, feed.text
        seen = [(item["type"], item["resourceId"]) for item in feed.json()["items"]]
        assert seen == [
            ("programme.created", plan["id"]),
            ("programme.updated", plan["id"]),
            ("programme.updated", plan["id"]),
        ]


async def test_only_the_contracts_pilots_write(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    body = {**TFPB, "contractCode": new_contract}
    for role in (Role.STATE, Role.CO_FINANCER, Role.OPERATOR, Role.AUDITOR):
        refused = await _create(gateway, stack.headers([role], [new_contract]), body)
        assert refused.status_code == 403, (role, refused.text)
    elsewhere = await _create(gateway, stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT]), body)
    assert elsewhere.status_code == 403
    assert elsewhere.json()["type"] == "/problems/not-bound-to-contract"
    assert (await gateway.post(f"{API}/programmes", json=body)).status_code == 401


async def test_every_rule_a_programme_breaks_is_named_at_once(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body = {
        **TFPB,
        "contractCode": new_contract,
        "landlord": None,
        "qpvCodes": ["QN06258M", "QN06999M"],
        "startYear": 2021,
    }
    refused = await _create(gateway, pilot, body)
    assert refused.status_code == 422, refused.text
    assert _errors(refused) == {
        ("qpvCodes", "qpv-of-contract"),
        ("startYear", "within-contract-period"),
        ("landlord", "tfpb-landlord"),
    }
    school = {**TFPB, "contractCode": new_contract, "kind": "cite_educative", "scheme": "quartiers_ete"}
    assert _errors(await _create(gateway, pilot, school)) == {
        ("landlord", "tfpb-landlord"),
        ("scheme", "bound-to-call-scheme"),
    }
    admin = stack.headers([Role.PLATFORM_ADMIN])
    unknown = await _create(gateway, admin, {**TFPB, "contractCode": "CV-NOWHERE-2024"})
    assert _errors(unknown) == {("contractCode", "registered-contract")}


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"amount": "120000,00"}, "amount", "string_pattern_mismatch"),
        ({"amount": "-5.00"}, "amount", "string_pattern_mismatch"),
        ({"measures": [{"measure": "actions", "value": -1}]}, "measures/0/value", "greater_than_equal"),
        ({"measures": [{"measure": "posts", "value": 2}]}, "measures/0/measure", "measure-of-kind"),
        ({"realisedAmount": "1.00"}, "realisedAmount", "computed-from-axes"),
        ({"axes": [YEAR_2025["axes"][0], YEAR_2025["axes"][0]]}, "axes", "axis-once"),
    ],
)
async def test_a_bad_year_is_refused_naming_its_field(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, change: dict[str, Any], field: str, rule: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    plan = (await _create(gateway, pilot, {**TFPB, "contractCode": new_contract})).json()
    url = f"{API}/programmes/{plan['id']}/years/2025"
    refused = await write_if_match(gateway, "PUT", url, json={**YEAR_2025, **change}, headers=pilot)
    assert refused.status_code == 422, refused.text
    assert (f"/body/{field}", rule) in {(error["pointer"], error["rule"]) for error in refused.json()["errors"]}


async def test_a_year_outside_the_contract_or_the_programme_is_refused(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    plan = (await _create(gateway, pilot, {**TFPB, "contractCode": new_contract, "startYear": 2026})).json()
    for year, rule in ((2023, "within-contract-period"), (2025, "programme-year")):
        url = f"{API}/programmes/{plan['id']}/years/{year}"
        refused = await write_if_match(gateway, "PUT", url, json=YEAR_2025, headers=pilot)
        assert _errors(refused) == {("year", rule)}, refused.text
    early = await gateway.get(f"{API}/programme-totals", params={"contractCode": new_contract, "year": 2023})
    assert _errors(early) == {("year", "within-contract-period")}


async def _summer_call(gateway: httpx.AsyncClient, year: Year) -> Year:
    call = await gateway.post(
        f"{API}/calls",
        headers=year.pilot,
        json={
            "contractCode": year.contract,
            "year": 2025,
            "scheme": "quartiers_ete",
            "title": "Quartiers d'été 2025",
            "opensOn": "2025-04-01",
            "closesOn": "2025-05-15",
            "notificationTargetOn": "2025-06-13",
        },
    )
    assert call.status_code == 201, call.text
    return Year(**{**year.__dict__, "call_id": call.json()["id"]})


async def _operator(stack: RunningStack, gateway: httpx.AsyncClient, year: Year, siret: str) -> Year:
    """The year as another operator of the contract, registered now, plays it."""
    created = await gateway.post(
        f"{API}/operators",
        headers=year.pilot,
        json={"contractCode": year.contract, "nom": "Centre social", "siret": siret, "profile": "association"},
    )
    assert created.status_code == 201, created.text
    operator = created.json()["id"]
    headers = stack.headers([Role.OPERATOR], [year.contract], organisations=[operator])
    return Year(**{**year.__dict__, "operator_id": operator, "operator": headers})


async def test_quartiers_dete_is_the_calls_scheme_and_its_figures_are_the_calls(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    year = await open_year(stack, gateway, new_contract)
    summer_body = {
        "contractCode": new_contract,
        "kind": "quartiers_ete",
        "nom": "Quartiers d'été",
        "qpvCodes": ["QN06258M", "QN06261M"],
        "startYear": 2024,
        "source": {"document": "Contrat de ville", "date": "2024-01-23"},
    }
    with step("not bound to the call's scheme, or before the contract has a call in it: refused"):
        assert _errors(await _create(gateway, year.pilot, summer_body)) == {("scheme", "bound-to-call-scheme")}
        bound = {**summer_body, "scheme": "quartiers_ete"}
        assert _errors(await _create(gateway, year.pilot, bound)) == {("scheme", "call-scheme-open")}
    with step("bound to the scheme once its call is open; one such programme per contract"):
        summer = await _summer_call(gateway, year)
        created = await _create(gateway, year.pilot, bound)
        assert created.status_code == 201, created.text
        assert (await _create(gateway, year.pilot, bound)).status_code == 409
        url = f"{API}/programmes/{created.json()['id']}"
        declared = await write_if_match(gateway, "PUT", f"{url}/years/2025", json=YEAR_2025, headers=year.pilot)
        assert _errors(declared) == {("kind", "computed-from-call")}
    with step("its year is the call's notified decisions, as the programmation totals them"):
        await notified(gateway, summer, qpvCodes=["QN06258M"], dauphinNumber="da 2025 0101-1")
        other = await _operator(stack, gateway, summer, "44200003000001")
        decided = {"etat-p147": "2500.50", "cua": "1000"}
        await notified(gateway, other, decided=decided, qpvCodes=["QN06261M"], dauphinNumber="da 2025 0102-1")
        p147 = Year(**{**year.__dict__, "operator_id": year.other_operator_id, "operator": year.other_operator})
        await notified(gateway, p147, dauphinNumber="da 2025 0103-1")  # the p147 call's: not Quartiers d'été
        totals = await gateway.get(
            f"{API}/programmation/totals",
            headers=year.state,
            params={"contractCode": new_contract, "year": 2025, "scheme": "quartiers_ete", "state": "notified"},
        )
        assert totals.status_code == 200, totals.text
        programme = (await gateway.get(url)).json()
        [figures] = programme["years"]
        assert figures["computedFrom"] == {"callId": summer.call_id, "scheme": "quartiers_ete", "state": "notified"}
        assert figures["amount"] == totals.json()["byYear"][0]["decided"]
        counted = {item["measure"]: item["value"] for item in figures["measures"]}
        assert counted["applications"] == totals.json()["figures"]["applications"] == 2
        by_qpv = {item["key"]: item["decided"] for item in totals.json()["byQpv"]}
        assert {item["qpvCode"]: item["decided"] for item in figures["byQpv"]} == by_qpv
    with step("the year's summary reads the same figures"):
        summary = await gateway.get(f"{API}/programme-totals", params={"contractCode": new_contract, "year": 2025})
        [kind] = summary.json()["byKind"]
        assert (kind["kind"], kind["amount"]) == ("quartiers_ete", figures["amount"])
        assert {item["qpvCode"]: item["amount"] for item in summary.json()["byQpv"]} == by_qpv


async def test_a_change_keeps_what_a_programme_always_has_and_clears_what_it_may_lack(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body = {**TFPB, "contractCode": new_contract, "kind": "cite_emploi", "landlord": None, "carrier": "CUA"}
    url = f"{API}/programmes/{(await _create(gateway, pilot, body)).json()['id']}"
    ended = await write_if_match(gateway, "PATCH", url, json={"nom": None, "endYear": 2027}, headers=pilot)
    assert (ended.json()["nom"], ended.json()["endYear"]) == (TFPB["nom"], 2027)
    cleared = await write_if_match(gateway, "PATCH", url, json={"endYear": None, "carrier": None}, headers=pilot)
    assert (cleared.json()["endYear"], cleared.json()["carrier"]) == (None, None)
    moved = await write_if_match(gateway, "PATCH", url, json={"qpvCodes": ["QN06263M"]}, headers=pilot)
    assert _errors(moved) == {("qpvCodes", "qpv-of-contract")}
    early = await write_if_match(gateway, "PATCH", url, json={"endYear": 2023}, headers=pilot)
    assert _errors(early) == {("endYear", "within-contract-period")}
    assert (await gateway.get(url)).json()["version"] == cleared.json()["version"]
