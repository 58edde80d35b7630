"""The operator's account of a notified year (qualitative report, actual beneficiaries, beneficiaries'
coordinates reduced to counts by territories) and a convention's indicators against their targets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conditional_writes import write_if_match
from tests.grants.playbook import API, Year, notified, open_year
from tests.grants.test_conventions import act, convene, cpo
from tests.running_stack import RunningStack
from tests.steps import step

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = json.loads(
    (ROOT / "services" / "territories" / "data" / "cua_qpv_lookup_fixtures.json").read_text(encoding="utf-8")
)["fixtures"]


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


def account(**changes: Any) -> dict[str, Any]:
    return {
        "summary": "32 ateliers tenus de septembre à juin.",
        "results": "Objectif de fréquentation atteint.",
        "beneficiaries": {"total": 96, "women": 60, "men": 36, "ageBands": {"6-11": 30}, "shareInQpvPercent": 75},
        **changes,
    }


async def test_the_activity_report_is_written_returned_and_accepted(gateway: httpx.AsyncClient, year: Year) -> None:
    application = (await notified(gateway, year))["id"]
    url = f"{API}/applications/{application}/activity-report"
    missing = await gateway.get(url, headers=year.state)
    assert (missing.json()["status"], missing.json()["dueOn"]) == ("missing", "2026-06-30")

    too_many = account(beneficiaries={"total": 10, "ageBands": {"6-11": 8, "12-15": 5}})
    refused = await write_if_match(gateway, "PUT", url, json=too_many, headers=year.operator)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "beneficiaries/ageBands"
    assert (await write_if_match(gateway, "PUT", url, json=account(), headers=year.other_operator)).status_code == 404
    assert (await write_if_match(gateway, "PUT", url, json=account(), headers=year.state)).status_code == 403

    written = await write_if_match(gateway, "PUT", url, json=account(), headers=year.operator)
    assert written.status_code == 200, written.text
    assert written.json()["beneficiaries"] == {
        "total": 96,
        "women": 60,
        "men": 36,
        "ageBands": {"6-11": 30},
        "shareInQpvPercent": 75,
    }
    unexplained = await gateway.post(f"{url}/review", json={"decision": "return"}, headers=year.state)
    assert unexplained.status_code == 422
    assert unexplained.json()["errors"][0]["rule"] == "reason-required"
    returned = await gateway.post(
        f"{url}/review", json={"decision": "return", "comment": "Détaillez les tranches d'âge."}, headers=year.state
    )
    assert (returned.json()["status"], returned.json()["reviewComment"]) == (
        "returned",
        "Détaillez les tranches d'âge.",
    )
    again = await write_if_match(
        gateway, "PUT", url, json=account(difficulties="Locaux fermés en mai."), headers=year.operator
    )
    assert (again.json()["status"], again.json()["difficulties"]) == ("submitted", "Locaux fermés en mai.")
    accepted = await gateway.post(f"{url}/review", json={"decision": "accept"}, headers=year.state)
    assert accepted.json()["status"] == "accepted"
    assert (await write_if_match(gateway, "PUT", url, json=account(), headers=year.operator)).status_code == 409


async def test_located_beneficiaries_are_kept_as_counts_only(gateway: httpx.AsyncClient, year: Year) -> None:
    application = (await notified(gateway, year))["id"]
    url = f"{API}/applications/{application}/activity-report"
    lines = ["id,lat,lon", *(f"b{index},{item['lat']},{item['lon']}" for index, item in enumerate(FIXTURES))]
    lines.append("b-bad,abc,2.77")
    upload = "\n".join(lines).encode()
    csv_headers = {**year.operator, "Content-Type": "text/csv"}
    early = await gateway.post(f"{url}/located-beneficiaries", content=upload, headers=csv_headers)
    assert early.status_code == 409
    assert (await write_if_match(gateway, "PUT", url, json=account(), headers=year.operator)).status_code == 200

    located = await gateway.post(f"{url}/located-beneficiaries", content=upload, headers=csv_headers)
    assert located.status_code == 200, located.text
    counts = located.json()["located"]
    inside = [item for item in FIXTURES if item["expected"]]
    by_qpv: dict[str, int] = {}
    for item in inside:
        for code in item["expected"]:
            by_qpv[code] = by_qpv.get(code, 0) + 1
    assert counts == {
        "points": len(FIXTURES) + 1,
        "inQpv": len(inside),
        "outside": len(FIXTURES) - len(inside),
        "refused": 1,
        "byQpv": dict(sorted(by_qpv.items())),
        "shareInQpvPercent": round(100 * len(inside) / len(FIXTURES)),
    }
    read = await gateway.get(url, headers=year.pilot)
    assert read.json()["located"] == counts
    for item in FIXTURES:
        assert str(item["lat"]) not in read.text
    wrong_type = await gateway.post(
        f"{url}/located-beneficiaries", content=b"{}", headers={**year.operator, "Content-Type": "application/json"}
    )
    assert wrong_type.status_code == 415
    other = await gateway.post(
        f"{url}/located-beneficiaries", content=upload, headers={**year.other_operator, "Content-Type": "text/csv"}
    )
    assert other.status_code == 404


def indicators(first: int = 2025, last: int = 2028) -> list[dict[str, Any]]:
    return [
        {
            "code": "PART-QPV",
            "label": "Habitants des QPV accueillis",
            "unit": "personnes",
            "baseline": "40",
            "targets": {str(y): str(40 + 20 * (y - first + 1)) for y in range(first, last + 1)},
        },
        {
            "code": "ABANDON",
            "label": "Taux d'abandon",
            "unit": "%",
            "baseline": "30",
            "targets": {str(last): "10"},
        },
    ]


async def test_indicators_defined_at_the_start_and_reported_against_targets(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    with step("the operator defines the CPO's indicators while it is a draft, each target within its years"):
        convention = await convene(gateway, year, cpo(year))
        url = f"{API}/conventions/{convention['id']}/indicators"
        outside = indicators()
        outside[1]["targets"] = {"2029": "10"}
        refused = await write_if_match(gateway, "PUT", url, json={"indicators": outside}, headers=year.operator)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "indicators/1/targets/2029"
        twice = [indicators()[0], indicators()[0]]
        assert (await write_if_match(gateway, "PUT", url, json={"indicators": twice}, headers=year.operator)).json()[
            "errors"
        ][0]["rule"] == "unique-code"
        defined = await write_if_match(gateway, "PUT", url, json={"indicators": indicators()}, headers=year.operator)
        assert defined.status_code == 200, defined.text
        assert [item["code"] for item in defined.json()["indicators"]] == ["PART-QPV", "ABANDON"]
        early = await write_if_match(
            gateway,
            "PUT",
            f"{url}/PART-QPV/values/2025",
            json={"value": "55", "source": "Feuilles"},
            headers=year.operator,
        )
        assert early.status_code == 409
    with step("once signed, only its managers change them, saying why"):
        assert (await act(gateway, convention["id"], year.pilot, "sign", on="2025-01-20")).status_code == 200
        locked = await write_if_match(gateway, "PUT", url, json={"indicators": indicators()}, headers=year.operator)
        assert locked.status_code == 403
        unexplained = await write_if_match(gateway, "PUT", url, json={"indicators": indicators()}, headers=year.pilot)
        assert unexplained.json()["errors"][0]["rule"] == "reason-required"
    with step("the operator declares the values reached, each in a year of the convention"):
        for code, year_of, value in (("PART-QPV", 2025, "55"), ("PART-QPV", 2026, "80"), ("ABANDON", 2025, "22.5")):
            declared = await write_if_match(
                gateway,
                "PUT",
                f"{url}/{code}/values/{year_of}",
                json={"value": value, "source": "Feuilles d'émargement"},
                headers=year.operator,
            )
            assert declared.status_code == 200, declared.text
        out_of_term = await write_if_match(
            gateway,
            "PUT",
            f"{url}/PART-QPV/values/2030",
            json={"value": "1", "source": "Feuilles"},
            headers=year.operator,
        )
        assert out_of_term.json()["errors"][0]["rule"] == "year-of-convention"
        comma = await write_if_match(
            gateway,
            "PUT",
            f"{url}/PART-QPV/values/2027",
            json={"value": "1,5", "source": "Feuilles"},
            headers=year.operator,
        )
        assert comma.status_code == 422
        unknown = await write_if_match(
            gateway, "PUT", f"{url}/NOPE/values/2026", json={"value": "1", "source": "Feuilles"}, headers=year.operator
        )
        assert unknown.status_code == 404
    with step("the values are read against their targets"):
        read = (await gateway.get(url, headers=year.state)).json()["indicators"]
        first = {item["year"]: item for item in read[0]["years"]}
        assert (first[2025]["target"], first[2025]["value"], first[2025]["progressPercent"]) == ("60", "55", "75.0")
        assert (first[2026]["target"], first[2026]["value"], first[2026]["progressPercent"]) == ("80", "80", "100.0")
        assert (first[2027]["value"], first[2027]["progressPercent"]) == (None, None)
        dropping = {item["year"]: item for item in read[1]["years"]}
        assert dropping[2025]["value"] == "22.5"
        assert dropping[2028]["target"] == "10"
    with step("the managers revise a target: the values are kept and the change is in the history"):
        revised = indicators()
        revised[0]["targets"]["2028"] = "150"
        amended = await write_if_match(
            gateway, "PUT", url, json={"indicators": revised, "reason": "Avenant n°1"}, headers=year.pilot
        )
        assert amended.status_code == 200
        kept = {item["year"]: item for item in amended.json()["indicators"][0]["years"]}
        assert (kept[2025]["value"], kept[2028]["target"]) == ("55", "150")
        history = (await gateway.get(f"{API}/conventions/{convention['id']}", headers=year.pilot)).json()["events"]
        assert history[-1]["event"] == "indicators"
        assert history[-1]["reason"] == "Avenant n°1"
