"""The CUA's demo programmation as `./dev up` loads it (the tests' stack loads it the same way): the grants
service's own evaluation of 2024 and 2025 shows it, the annual review carries the same figures, the page
draws the money by financer, and a second load changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from cli.data_imports import import_grants_reference_data
from identity.principal import Role
from services.grants.demo.domain import (
    ACTIONS_PER_YEAR,
    CPO_ACTIONS,
    NEW_2025,
    STATE_ENVELOPE_CENTS,
    demo_id,
    programmation,
)
from tests.running_stack import RunningStack
from tests.steps import step

YEARS = (2024, 2025)


def _expected_by_financer(year: int) -> dict[str, Decimal]:
    """What the generator decided, by financer code (euros)."""
    totals: dict[str, int] = {}
    for item in programmation():
        if item.year == year:
            for line in item.lines:
                totals[line.financer] = totals.get(line.financer, 0) + line.decided_cents
    return {code: Decimal(cents) / 100 for code, cents in totals.items()}


async def _evaluation(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str, year: int) -> dict[str, Any]:
    response = await gateway.get(
        f"/api/grants/evaluation/years/{year}", params={"contractCode": contract}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_demo_programmation_is_in_the_evaluation_and_the_review(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    for year in YEARS:
        evaluation = await _evaluation(gateway, headers, cua_contract, year)
        with step(f"{year}: 90 notified actions, the State's million, more than half under CPO"):
            assert evaluation["actionsFunded"] == ACTIONS_PER_YEAR
            assert Decimal(evaluation["leverage"]["p147Decided"]) == Decimal(STATE_ENVELOPE_CENTS) / 100
            assert evaluation["cpo"]["actions"] == CPO_ACTIONS
            assert evaluation["cpo"]["goalMet"] is True
            assert Decimal(evaluation["cpo"]["sharePercent"]) > 50
        with step(f"{year}: the amounts by financer are the demo's, State, CUA, communes, CAF and Département"):
            by_financer = {item["key"]: Decimal(item["decided"]) for item in evaluation["byFinancer"]}
            assert by_financer == _expected_by_financer(year)
            assert {"etat-p147", "cua", "caf-62", "departement-62", "arras"} <= set(by_financer)
            assert Decimal(evaluation["leverage"]["decided"]) == sum(by_financer.values())
            # The comité des financeurs froze the amounts each financer then decided by its own act.
            assert all(item["proposed"] == item["decided"] for item in evaluation["byFinancer"])
        with step(f"{year}: new actions: every action on the platform's first year, then 30 %"):
            expected_new = ACTIONS_PER_YEAR if year == 2024 else NEW_2025
            assert evaluation["newActions"]["actions"] == expected_new
        with step(f"{year}: the review's achievements carry the same figures, and its headline"):
            response = await gateway.get(f"/api/contracts/{cua_contract}/reviews/{year}", headers=headers)
            assert response.status_code == 200, response.text
            review = response.json()
            blocks = [block for section in review["sections"] for block in section["blocks"]]
            (block,) = [block for block in blocks if block["key"] == "evaluation"]
            assert block["status"] == "available"
            assert block["data"] == evaluation
            figures = {figure["key"]: figure["value"] for figure in review["headline"]}
            assert figures["p147Decided"] == evaluation["leverage"]["p147Decided"]
            assert figures["cpoSharePercent"] == evaluation["cpo"]["sharePercent"]
            assert figures["newActionsSharePercent"] == evaluation["newActions"]["sharePercent"]
        with step(f"{year}: the page draws the money by financer and by pillar"):
            page = await gateway.get(f"/api/contracts/{cua_contract}/reviews/{year}.html", headers=headers)
            assert page.status_code == 200
            assert 'id="by-financer"' in page.text
            assert 'id="by-pillar"' in page.text
    with step("2024's activity reports count the beneficiaries reached"):
        evaluation = await _evaluation(gateway, headers, cua_contract, 2024)
        assert evaluation["beneficiaries"]["reportingActions"] == 75
        assert evaluation["beneficiaries"]["reached"]["total"] > 0


async def test_the_demo_records_read_through_the_api(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    """Every kind of record the demo writes is one the API reads (no row it cannot serve), marked fictitious."""
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    first = programmation()[0]
    call = demo_id("call", 2024)
    convention = demo_id("convention", first.action)
    reads = {
        "application": f"/api/grants/applications/{first.application_id}",
        "tranches": f"/api/grants/applications/{first.application_id}/tranches",
        "report": f"/api/grants/applications/{first.application_id}/activity-report",
        "envelopes": f"/api/grants/calls/{call}/envelopes",
        "scenario": f"/api/grants/scenarios/{demo_id('scenario', call)}",
        "check": f"/api/grants/scenarios/{demo_id('scenario', call)}/check",
        "convention": f"/api/grants/conventions/{convention}",
        "indicators": f"/api/grants/conventions/{convention}/indicators",
        "programmation": f"/api/grants/programmation?contractCode={cua_contract}&year=2024&limit=100",
    }
    answers = {}
    for key, url in reads.items():
        response = await gateway.get(url, headers=headers)
        assert response.status_code == 200, (key, response.text)
        answers[key] = response.json()
    with step("the records say they are fictitious"):
        assert "fictive" in answers["application"]["title"]
        assert "fictive" in answers["convention"]["reference"]
        assert all("fictive" in item["title"] for item in answers["programmation"]["items"])
    with step("the State's envelope of the P147 call is what it decided there; the comité's scenario holds"):
        (envelope,) = answers["envelopes"]
        decided = sum(
            line.decided_cents
            for item in programmation()
            if item.year == 2024 and not item.summer
            for line in item.lines
            if line.financer == "etat-p147"
        )
        assert Decimal(envelope["amount"]) == Decimal(decided) / 100


async def test_a_second_start_changes_nothing(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    before = [await _evaluation(gateway, headers, cua_contract, year) for year in YEARS]
    said = await import_grants_reference_data(stack.role_url("grants"))
    assert "demo programmation: already loaded" in said
    after = [await _evaluation(gateway, headers, cua_contract, year) for year in YEARS]
    assert after == before
