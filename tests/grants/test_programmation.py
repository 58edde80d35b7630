"""Envelopes, a scenario checked live against the portfolio rules, and the comité that freezes it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conditional_writes import write_if_match
from tests.grants.playbook import (
    API,
    Year,
    budget,
    decide_line,
    draft,
    move,
    official_zone,
    open_year,
    send,
    submit,
)
from tests.running_stack import RunningStack
from tests.steps import step


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


async def _proposed(gateway: httpx.AsyncClient, year: Year, title: str, qpv: list[str], p147: str, **where: Any) -> str:
    """An application taken to `proposed`, the State proposing `p147` and the CUA its full request; `where`
    says where it is held and which vulnerability zones it serves."""
    application = await draft(gateway, year, title=title, qpvCodes=qpv, **where)
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, application["id"])).status_code == 200
    for transition in ("declare_receivable", "instruct"):
        assert (await move(gateway, application["id"], year.state, transition)).status_code == 200
    state_line = f"{url}/financing-lines/{year.institutions['etat-p147']}"
    assert (
        await write_if_match(gateway, "PATCH", state_line, json={"proposed": p147}, headers=year.state)
    ).status_code == 200
    cua_line = f"{url}/financing-lines/{year.institutions['cua']}"
    assert (
        await write_if_match(gateway, "PATCH", cua_line, json={"proposed": "4000"}, headers=year.cua)
    ).status_code == 200
    assert (await move(gateway, application["id"], year.pilot, "propose")).status_code == 200
    return str(application["id"])


async def _envelopes(gateway: httpx.AsyncClient, year: Year, p147: str, departmental: str, cua: str) -> None:
    base = f"{API}/calls/{year.call_id}/envelopes"
    state = await write_if_match(
        gateway,
        "PUT",
        f"{base}/{year.institutions['etat-p147']}",
        json={"amount": p147, "departmentalAmount": departmental},
        headers=year.state,
    )
    assert state.status_code == 200, state.text
    assert (
        await write_if_match(
            gateway, "PUT", f"{base}/{year.institutions['cua']}", json={"amount": cua}, headers=year.pilot
        )
    ).status_code == 200


def _rules(scenario: dict[str, Any], kind: str) -> dict[str, str]:
    return {item["rule"]: item["message"] for item in scenario["check"][kind]}


async def test_a_scenario_within_the_rules_is_frozen_into_proposals_each_financer_decides(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    with step("two proposed applications, one serving a vulnerability zone and no QPV, and the envelopes"):
        zone = (await official_zone(gateway, year))["code"]
        in_qpv = await _proposed(gateway, year, "Ateliers de quartier", ["QN06258M"], "8000")
        hors_qpv = await _proposed(gateway, year, "Poche de pauvreté", [], "6000", servedVulnerabilityZones=[zone])
        await _envelopes(gateway, year, p147="12000", departmental="200000", cua="10000")
    with step("a scenario is drafted with the amounts proposed, and checked against the rules"):
        created = await gateway.post(
            f"{API}/scenarios", json={"callId": year.call_id, "name": "Comité"}, headers=year.pilot
        )
        assert created.status_code == 201, created.text
        scenario = created.json()
        amounts = {(item["applicationId"], item["institutionCode"]): item["amount"] for item in scenario["amounts"]}
        assert amounts == {
            (in_qpv, "etat-p147"): "8000.00",
            (in_qpv, "cua"): "4000.00",
            (hors_qpv, "etat-p147"): "6000.00",
            (hors_qpv, "cua"): "4000.00",
        }
        blocking = _rules(scenario, "blocking")
        assert "12\u202f000 €" in blocking["within-envelope"]  # P147: 14 000 proposed > 12 000
        assert blocking["hors-qpv-cap"] == (
            "vulnerability zones (no QPV) share 3,0 % > 2,5 % cap: 6\u202f000 € of 200\u202f000 €"
        )
        assert scenario["check"]["canFreeze"] is False
        assert scenario["check"]["leverage"] == "0.57"  # 8 000 € of CUA per 14 000 € of P147
        url = f"{API}/scenarios/{scenario['id']}"
        assert (await gateway.get(f"{url}/check", headers=year.caf)).json() == scenario["check"]
    with step("a scenario that breaks a rule is not frozen"):
        refused = await send(
            gateway, "POST", f"{url}/freeze", year.pilot, {"heldOn": "2025-01-20", "coChairs": ["etat-p147", "cua"]}
        )
        assert refused.status_code == 422
        assert {error["rule"] for error in refused.json()["errors"]} == {"within-envelope", "hors-qpv-cap"}
        still = await gateway.get(f"{API}/applications/{in_qpv}", headers=year.pilot)
        assert still.json()["state"] == "proposed"
    with step("the amounts changed within the rules"):
        changed = await send(
            gateway,
            "PUT",
            f"{url}/amounts",
            year.pilot,
            {
                "amounts": [
                    {"applicationId": hors_qpv, "institutionId": year.institutions["etat-p147"], "amount": "4000"},
                    {"applicationId": hors_qpv, "institutionId": year.institutions["cua"], "amount": "0"},
                ]
            },
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["check"]["blocking"] == []
        assert changed.json()["check"]["horsQpvShare"] == "2,0 %"
    with step("the comité freezes the scenario into each financer's proposal, recorded with it"):
        frozen = await send(
            gateway,
            "POST",
            f"{url}/freeze",
            year.pilot,
            {"heldOn": "2025-01-20", "coChairs": ["etat-p147", "cua"], "attendees": ["caf-62"]},
        )
        assert frozen.status_code == 200, frozen.text
        assert frozen.json()["scenario"]["status"] == "frozen"
        assert frozen.json()["committee"]["coChairs"] == ["etat-p147", "cua"]
        programmed = (await gateway.get(f"{API}/applications/{hors_qpv}", headers=year.pilot)).json()
        assert (programmed["state"], programmed["outcome"]) == ("proposed", None)
        lines = {line["institutionCode"]: line for line in programmed["financingLines"]}
        assert {code: (line["proposed"], line["decision"]) for code, line in lines.items()} == {
            "etat-p147": ("4000.00", None),
            "cua": ("0.00", None),
        }
        assert {line["committeeId"] for line in lines.values()} == {frozen.json()["committee"]["id"]}
    with step("each financer decides its own line by its act; the last one decides the application"):
        for application, cua in ((hors_qpv, "0"), (in_qpv, "4000")):
            state = await decide_line(
                gateway, year, application, "etat-p147", "8000" if application == in_qpv else "4000"
            )
            assert state.status_code == 200, state.text
            last = await decide_line(gateway, year, application, "cua", cua)
            assert last.status_code == 200, last.text
        decided = (await gateway.get(f"{API}/applications/{hors_qpv}", headers=year.pilot)).json()
        assert (decided["state"], decided["outcome"]) == ("decided", "partially_granted")
        lines = {line["institutionCode"]: line for line in decided["financingLines"]}
        assert (lines["etat-p147"]["decided"], lines["etat-p147"]["decision"]) == ("4000.00", "granted")
        assert (lines["cua"]["decided"], lines["cua"]["decision"]) == ("0.00", "refused")
        assert lines["cua"]["proposed"] == "0.00", "the comité's amount is kept beside the decision"
        assert decided["events"][-1]["reason"] == "décision de CUA"
        full = (await gateway.get(f"{API}/applications/{in_qpv}", headers=year.pilot)).json()
        assert full["outcome"] == "granted"
    with step("the programmation's totals count the decisions"):
        totals = (
            await gateway.get(
                f"{API}/programmation/totals", params={"contractCode": year.contract, "year": 2025}, headers=year.pilot
            )
        ).json()
        assert {item["key"]: item["decided"] for item in totals["byFinancer"]} == {
            "etat-p147": "12000.00",
            "cua": "4000.00",
        }
        # The CUA refused the second action: one action funded by the CUA, two by the State.
        assert {item["key"]: item["fundedActions"] for item in totals["byFinancer"]} == {"etat-p147": 2, "cua": 1}
        assert [(item["key"], item["decided"]) for item in totals["byPillar"]] == [("cohesion_sociale", "16000.00")]
        assert {item["key"]: item["decided"] for item in totals["byQpv"]} == {
            "QN06258M": "12000.00",
            "hors-QPV": "4000.00",
        }
        assert [(item["key"], item["applications"], item["fundedActions"]) for item in totals["byYear"]] == [
            ("2025", 2, 2)
        ]
        assert totals["figures"]["fundedActions"] == 2
    with step("a frozen scenario is not frozen again"):
        again = await send(gateway, "POST", f"{url}/freeze", year.pilot, {"heldOn": "2025-01-21", "coChairs": ["cua"]})
        assert again.status_code == 409


async def test_only_proposed_applications_are_frozen(gateway: httpx.AsyncClient, year: Year) -> None:
    application = await _proposed(gateway, year, "Ateliers", ["QN06258M"], "5000")
    created = await gateway.post(f"{API}/scenarios", json={"callId": year.call_id, "name": "Essai"}, headers=year.pilot)
    url = f"{API}/scenarios/{created.json()['id']}"
    assert (await move(gateway, application, year.pilot, "withdraw", "Abandon")).status_code == 200
    withdrawn = await gateway.get(url, headers=year.pilot)
    assert withdrawn.json()["amounts"] == []  # a withdrawn application leaves the portfolio


async def test_who_sees_and_changes_scenarios(gateway: httpx.AsyncClient, year: Year) -> None:
    created = await gateway.post(f"{API}/scenarios", json={"callId": year.call_id, "name": "Vue"}, headers=year.state)
    assert created.status_code == 201, created.text
    url = f"{API}/scenarios/{created.json()['id']}"
    assert (await gateway.get(url, headers=year.caf)).status_code == 200
    assert (await gateway.get(url, headers=year.operator)).status_code == 404
    assert (
        await gateway.post(f"{API}/scenarios", json={"callId": year.call_id, "name": "X y z"}, headers=year.caf)
    ).status_code == 403
    envelope = await write_if_match(
        gateway,
        "PUT",
        f"{API}/calls/{year.call_id}/envelopes/{year.institutions['cua']}",
        json={"amount": "1000", "departmentalAmount": "5000"},
        headers=year.pilot,
    )
    assert envelope.status_code == 422
    assert envelope.json()["errors"][0]["rule"] == "p147-only"
    rules = await write_if_match(
        gateway,
        "PUT",
        f"{API}/calls/{year.call_id}/portfolio-rules",
        json={"horsQpvCap": "0.025", "degressivityRate": "0.1", "newActionsTarget": "0.3", "cohesionTarget": "0.5"},
        headers=year.pilot,
    )
    assert rules.status_code == 200, rules.text
    assert (await gateway.get(f"{API}/calls/{year.call_id}/portfolio-rules", headers=year.caf)).json()[
        "degressivityRate"
    ] == "0.1"
    bad_rate = await write_if_match(
        gateway, "PUT", f"{API}/calls/{year.call_id}/portfolio-rules", json={"horsQpvCap": "1.5"}, headers=year.pilot
    )
    assert bad_rate.status_code == 422
    unknown_line = await send(
        gateway,
        "PUT",
        f"{url}/amounts",
        year.pilot,
        {"amounts": [{"applicationId": year.call_id, "institutionId": year.institutions["cua"], "amount": "10"}]},
    )
    assert unknown_line.status_code == 422
    assert unknown_line.json()["errors"][0]["rule"] == "financing-line-of-call"


async def test_programmation_tables_and_totals(gateway: httpx.AsyncClient, year: Year) -> None:
    in_qpv = await _proposed(gateway, year, "Ateliers de quartier", ["QN06258M"], "8000")
    zone = (await official_zone(gateway, year))["code"]
    await _proposed(gateway, year, "Poche de pauvreté", [], "3000", servedVulnerabilityZones=[zone])
    params: dict[str, str | int] = {"contractCode": year.contract, "year": 2025}
    table = await gateway.get(f"{API}/programmation", params=params, headers=year.state)
    assert table.status_code == 200, table.text
    rows = {row["title"]: row for row in table.json()["items"]}
    assert set(rows) == {"Ateliers de quartier", "Poche de pauvreté"}
    ateliers = rows["Ateliers de quartier"]
    assert (ateliers["objectiveCode"], ateliers["pillar"], ateliers["scheme"]) == ("6A", "cohesion_sociale", "p147")
    assert {line["institutionCode"]: line["proposed"] for line in ateliers["financers"]} == {
        "cua": "4000.00",
        "etat-p147": "8000.00",
    }
    by_qpv = await gateway.get(f"{API}/programmation", params={**params, "qpv": "QN06258M"}, headers=year.state)
    assert [row["applicationId"] for row in by_qpv.json()["items"]] == [in_qpv]
    totals = (await gateway.get(f"{API}/programmation/totals", params=params, headers=year.pilot)).json()
    financers = {item["key"]: item for item in totals["byFinancer"]}
    assert (financers["etat-p147"]["requested"], financers["etat-p147"]["proposed"]) == ("16000.00", "11000.00")
    assert financers["cua"]["applications"] == 2
    assert {item["key"]: item["applications"] for item in totals["byQpv"]} == {"QN06258M": 1, "hors-QPV": 1}
    assert [(item["key"], item["proposed"]) for item in totals["byPillar"]] == [("cohesion_sociale", "19000.00")]
    assert [item["key"] for item in totals["byAmbition"]] == ["Quartier apaisé"]
    assert [(item["key"], item["applications"], item["proposed"]) for item in totals["byTheme"]] == [
        ("1.5", 2, "19000.00")
    ]
    assert [(item["key"], item["applications"]) for item in totals["byYear"]] == [("2025", 2)]
    assert all(item["fundedActions"] == 0 for item in totals["byQpv"] + totals["byOperatorProfile"])
    assert totals["figures"] == {"applications": 2, "fundedActions": 0, "operators": 1, "expectedBeneficiaries": 240}
    assert (await gateway.get(f"{API}/programmation/totals", params=params, headers=year.operator)).status_code == 403


async def test_totals_follow_every_change_of_the_financing_lines(gateway: httpx.AsyncClient, year: Year) -> None:
    """Each application's sums are kept by the database after any statement on its lines: lines opened,
    changed or closed at a new submission show at once in the totals."""
    params: dict[str, str | int] = {"contractCode": year.contract, "year": 2025}

    async def requested() -> tuple[dict[str, str], str]:
        totals = (await gateway.get(f"{API}/programmation/totals", params=params, headers=year.pilot)).json()
        return {item["key"]: item["requested"] for item in totals["byFinancer"]}, totals["byPillar"][0]["requested"]

    application = await draft(gateway, year, title="Jardins partagés")
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, application["id"])).status_code == 200
    assert await requested() == ({"cua": "4000.00", "etat-p147": "8000.00"}, "12000.00")
    for transition in ("declare_receivable", "instruct"):
        assert (await move(gateway, application["id"], year.state, transition)).status_code == 200
    asked = await move(gateway, application["id"], year.state, "request_correction", "Plan de financement")
    assert asked.status_code == 200, asked.text
    without_cua = budget(year, p147=9000, cua=0)
    without_cua["lines"] = [line for line in without_cua["lines"] if line["label"] != "CUA"]
    corrected = await send(gateway, "PUT", f"{url}/budget", year.operator, without_cua)
    assert corrected.status_code == 200, corrected.text
    assert await requested() == ({"cua": "4000.00", "etat-p147": "8000.00"}, "12000.00")  # not submitted yet
    assert (await submit(gateway, year, application["id"])).status_code == 200
    assert await requested() == ({"etat-p147": "9000.00"}, "9000.00")


async def test_a_full_page_counts_the_rows_its_filters_choose(gateway: httpx.AsyncClient, year: Year) -> None:
    """A page that is full and not the last asks the count: the same rows as its filters choose, whether a
    filter needs the call (scheme), the objective (pillar) or neither."""
    await _proposed(gateway, year, "Ateliers de quartier", ["QN06258M"], "8000")
    await _proposed(
        gateway,
        year,
        "Chantier éducatif",
        [],
        "3000",
        servedVulnerabilityZones=[(await official_zone(gateway, year))["code"]],
    )
    await _proposed(gateway, year, "Jardins partagés", ["QN06258M"], "2000")
    base: dict[str, str | int] = {"contractCode": year.contract, "year": 2025, "limit": 1}
    fresh = {**year.state, "Cache-Control": "no-cache"}
    expected = {
        (): 3,
        (("qpv", "QN06258M"),): 2,
        (("qpv", "hors-QPV"),): 1,  # the Chantier éducatif, serving a zone and no QPV
        (("qpv", "none"),): 0,
        (("qpv", "hors-QPV"), ("year", 2024)): 0,
        (("scheme", "p147"),): 3,
        (("pillar", "cohesion_sociale"),): 3,
        (("scheme", "p147"), ("qpv", "QN06258M"), ("state", "proposed")): 2,
        (("state", "submitted"),): 0,
    }
    for filters, total in expected.items():
        page = await gateway.get(f"{API}/programmation", params={**base, **dict(filters)}, headers=fresh)
        assert page.status_code == 200, page.text
        assert page.json()["total"] == total, filters
        assert len(page.json()["items"]) == min(total, 1)
