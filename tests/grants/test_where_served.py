"""Where an action serves (issue 18 point 3), played through the gateway: the State validates a vulnerability
zone from a computation, an operator names it on an application, and the scenario check counts under the
2.5 % cap only the P147 credits of actions serving a zone and no QPV — not an action held outside the QPVs
for their residents, nor one serving neither."""

from __future__ import annotations

import httpx
import pytest

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.conftest import register_contract
from tests.grants.playbook import API, Year, draft, official_zone, open_year, send
from tests.grants.test_exchange_files import csv_rows
from tests.grants.test_programmation import _envelopes, _proposed
from tests.job_results import finished
from tests.running_stack import CUA_CONTRACT, RunningStack
from tests.steps import step

HELD_OUTSIDE = [{"codeCommune": "62041"}, {"label": "Salle des fêtes, 2 rue de la Paix, Achicourt"}]


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


async def test_only_zone_serving_actions_without_qpv_count_under_the_cap(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    with step("the State validates a zone of Arras's computation by the préfet's arrêté"):
        pilot = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
        computation = (
            await finished(
                gateway,
                await gateway.post(
                    "/api/territories/vulnerability-computations", json={"communes": ["62041"]}, headers=pilot
                ),
            )
        ).json()
        zone = await official_zone(
            gateway, year, "ZV-ARRAS", computationId=computation["id"], zone=computation["zones"][0]["zone"]
        )
    with step("an operator names the zone on an action serving no QPV; another is held outside for QPV residents"):
        in_zone = await _proposed(gateway, year, "Poche de pauvreté", [], "6000", servedVulnerabilityZones=["ZV-ARRAS"])
        held_outside = await _proposed(gateway, year, "Permanence en mairie", ["QN06258M"], "6000", venues=HELD_OUTSIDE)
        neither = await _proposed(gateway, year, "Action intercommunale", [], "6000")
        read = {
            key: (await gateway.get(f"{API}/applications/{key}", headers=year.operator)).json()
            for key in (in_zone, held_outside, neither)
        }
        assert [(item["horsQpv"], item["countedInVulnerabilityCap"]) for item in read.values()] == [
            (True, True),
            (False, False),
            (True, False),
        ]
        assert read[in_zone]["servedVulnerabilityZones"] == [zone["code"]]
        assert read[held_outside]["venues"] == [
            {"qpvCode": None, "codeCommune": "62041", "label": None},
            {"qpvCode": None, "codeCommune": None, "label": HELD_OUTSIDE[1]["label"]},
        ]
        await _envelopes(gateway, year, p147="18000", departmental="200000", cua="12000")
    with step("the scenario check counts only the zone-serving action: 6 000 € of 200 000 €, over the cap"):
        created = await gateway.post(
            f"{API}/scenarios", json={"callId": year.call_id, "name": "Comité"}, headers=year.pilot
        )
        assert created.status_code == 201, created.text
        check = created.json()["check"]
        assert (check["horsQpvAmount"], check["horsQpvShare"]) == ("6000.00", "3,0 %")
        assert [item["rule"] for item in check["blocking"]] == ["hors-qpv-cap"]
    with step("within the cap, the check lets the comité freeze, and the freeze agrees"):
        url = f"{API}/scenarios/{created.json()['id']}"
        amounts = [{"applicationId": in_zone, "institutionId": year.institutions["etat-p147"], "amount": "5000"}]
        changed = await send(gateway, "PUT", f"{url}/amounts", year.pilot, {"amounts": amounts})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["check"]["horsQpvShare"], changed.json()["check"]["canFreeze"]) == ("2,5 %", True)
        frozen = await send(gateway, "POST", f"{url}/freeze", year.pilot, {"heldOn": "2025-01-20", "coChairs": ["cua"]})
        assert frozen.status_code == 200, frozen.text
    with step("the totals and the export say where each action serves"):
        params: dict[str, str | int] = {"contractCode": year.contract, "year": 2025}
        totals = (await gateway.get(f"{API}/programmation/totals", params=params, headers=year.pilot)).json()
        assert {item["key"]: item["proposed"] for item in totals["byQpv"]} == {
            "QN06258M": "10000.00",
            "hors-QPV": "9000.00",
            "none": "10000.00",
        }
        exported = await gateway.get(
            f"{API}/programmation-exports", params={**params, "format": "csv"}, headers=year.pilot
        )
        rows = {row["id_application"]: row for row in csv_rows(exported.content)}
        assert (rows[in_zone]["zones_vulnerabilite"], rows[in_zone]["hors_qpv"]) == ("ZV-ARRAS", "oui")
        assert (rows[held_outside]["lieux"], rows[held_outside]["hors_qpv"]) == (
            "62041;" + HELD_OUTSIDE[1]["label"],
            "non",
        )
        assert rows[neither]["hors_qpv"] == "non"
        assert rows[in_zone]["beneficiaires_prevus_pct_qpv"] == "80", "the declared share living in QPV is kept"


async def test_what_an_application_names_is_checked_all_at_once(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year, admin: dict[str, str]
) -> None:
    await official_zone(gateway, year, "ZV-1")
    elsewhere = await open_year(stack, gateway, await register_contract(gateway, admin))
    await official_zone(gateway, elsewhere, "ZV-AILLEURS")
    body = {
        "callId": year.call_id,
        "operatorId": year.operator_id,
        "title": "Action",
        "servedVulnerabilityZones": ["ZV-1", "ZV-AILLEURS"],
        "venues": [{"qpvCode": "QN06258M", "codeCommune": "62041"}],
    }
    refused = await gateway.post(f"{API}/applications", json=body, headers=year.operator)
    assert refused.status_code == 422, refused.text
    errors = {(error["field"], error["rule"]): error["message"] for error in refused.json()["errors"]}
    assert set(errors) == {
        ("venues[0]", "one-venue-kind"),
        ("servedVulnerabilityZones", "vulnerability-zone-of-contract"),
    }
    assert "ZV-AILLEURS" in errors[("servedVulnerabilityZones", "vulnerability-zone-of-contract")]
    foreign_venue = await gateway.post(
        f"{API}/applications",
        json={**body, "servedVulnerabilityZones": [], "venues": [{"qpvCode": "QN06259M"}]},
        headers=year.operator,
    )
    assert [error["rule"] for error in foreign_venue.json()["errors"]] == ["qpv-of-contract"]
    named = await draft(gateway, year, qpvCodes=[], servedVulnerabilityZones=["ZV-1"])
    renamed = await write_if_match(
        gateway,
        "PUT",
        f"{API}/applications/{named['id']}",
        json={"title": "Action", "qpvCodes": ["QN06258M"], "servedVulnerabilityZones": ["ZV-1"]},
        headers=year.operator,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["countedInVulnerabilityCap"] is False, "serving a QPV too: not under the cap"
