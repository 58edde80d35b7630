"""A multi-year agreement (CPO) played over its four years through the API: indicators defined at the
start, a year's application renewed from the previous one, tranches gated by the previous year's
financial report, the reports of each year, indicator values against their targets, an amendment, the
evaluation dashboards of the years and of the operator, and the final evaluation that closes it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.grants.evaluation.domain import FundedAction, Reached, evaluate_year
from tests.conditional_writes import write_if_match
from tests.grants.playbook import API, Year, budget, draft, next_year, open_year, play_to_notified, send
from tests.grants.test_activity_reports_and_indicators import account, indicators
from tests.grants.test_conventions import act, convene, cpo
from tests.grants.test_payments import pay, plan, report, vote
from tests.running_stack import RunningStack
from tests.steps import step

YEARS = (2025, 2026, 2027, 2028)
DECIDED = {"etat-p147": "7000", "cua": "4000"}
REACHED = {2025: 70, 2026: 90, 2027: 110, 2028: 130}
PART_QPV = {2025: "55", 2026: "80", 2027: "100", 2028: "125"}


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


def planned(year: Year, state_2028: str = "7000") -> dict[str, Any]:
    state, cua = year.institutions["etat-p147"], year.institutions["cua"]
    amounts = [
        *({"year": y, "institutionId": state, "amount": "7000"} for y in YEARS[:-1]),
        {"year": 2028, "institutionId": state, "amount": state_2028},
        *({"year": y, "institutionId": cua, "amount": "4000"} for y in YEARS),
    ]
    return {"amounts": amounts}


async def submit_reports(gateway: httpx.AsyncClient, year: Year, application: str, reached: int) -> None:
    """The operator's financial and activity reports of a year."""
    url = f"{API}/applications/{application}"
    financial = await write_if_match(
        gateway, "PUT", f"{url}/financial-report", json=report(year), headers=year.operator
    )
    assert financial.status_code == 200, financial.text
    activity = await write_if_match(
        gateway,
        "PUT",
        f"{url}/activity-report",
        json=account(beneficiaries={"total": reached, "women": reached // 2, "shareInQpvPercent": 80}),
        headers=year.operator,
    )
    assert activity.status_code == 200, activity.text


async def accept_reports(gateway: httpx.AsyncClient, year: Year, application: str) -> None:
    for kind in ("financial-report", "activity-report"):
        accepted = await gateway.post(
            f"{API}/applications/{application}/{kind}/review", json={"decision": "accept"}, headers=year.state
        )
        assert accepted.json()["status"] == "accepted"


async def convened(gateway: httpx.AsyncClient, year: Year) -> str:
    """The CPO over 2025–2028 (44,000 €), its indicators defined by the operator, the State's 2025 credits
    voted, signed: its URL."""
    body = cpo(year, **planned(year), total="44000.00")
    convention = (await convene(gateway, year, body))["id"]
    url = f"{API}/conventions/{convention}"
    defined = await write_if_match(
        gateway, "PUT", f"{url}/indicators", json={"indicators": indicators()}, headers=year.operator
    )
    assert defined.status_code == 200, defined.text
    await vote(gateway, year, year.call_id, "etat-p147")
    assert (await act(gateway, convention, year.pilot, "sign", on="2025-01-20")).status_code == 200
    return url


async def first_year_attached(gateway: httpx.AsyncClient, year: Year, url: str) -> str:
    """The 2025 application, drafted with its budget and attached to the convention's first year."""
    first = await draft(gateway, year)
    assert (
        await send(gateway, "PUT", f"{API}/applications/{first['id']}/budget", year.operator, budget(year))
    ).status_code == 200
    attached = await write_if_match(
        gateway, "PUT", f"{url}/years/2025/application", json={"applicationId": first["id"]}, headers=year.pilot
    )
    assert attached.status_code == 200, attached.text
    return str(first["id"])


async def renewed(gateway: httpx.AsyncClient, year: Year, url: str, call: Year, current: int, previous: str) -> str:
    """The year's application renewed by the operator from the previous year's, the State's credits voted."""
    renewal = await gateway.post(
        f"{url}/years/{current}/application", json={"callId": call.call_id}, headers=year.operator
    )
    assert renewal.status_code == 201, renewal.text
    application = next(item["applicationId"] for item in renewal.json()["applications"] if item["year"] == current)
    prefilled = (await gateway.get(f"{API}/applications/{application}", headers=year.operator)).json()
    assert prefilled["previousApplicationId"] == previous
    await vote(gateway, year, call.call_id, "etat-p147")
    return str(application)


async def advance_paid(gateway: httpx.AsyncClient, year: Year, applications: dict[int, str], current: int) -> str:
    """The State's advance and balance of the year planned, 3,500 € each, the advance paid; in 2027 the
    previous year's report is not accepted yet: the advance is forced with a reason, then the 2026 reports
    are accepted. The balance waits for the year's own report, received: its tranche's id."""
    tranches = await plan(
        gateway,
        year,
        applications[current],
        "etat-p147",
        year.state,
        [{"kind": "advance", "weight": 1}, {"kind": "balance", "weight": 1}],
    )
    assert [item["planned"] for item in tranches.json()] == ["3500.00", "3500.00"]
    advance, balance = (item["id"] for item in tranches.json())
    blocked = await pay(gateway, balance, year.state, amount="3500", paidOn=f"{current}-09-15")
    assert [error["rule"] for error in blocked.json()["errors"]] == ["report-received"]
    if current == 2027:
        blocked = await pay(gateway, advance, year.state, amount="3500", paidOn="2027-03-15")
        assert [error["rule"] for error in blocked.json()["errors"]] == ["previous-report-accepted"]
        forced = await pay(
            gateway, advance, year.state, amount="3500", paidOn="2027-03-15", overrideReason="Comité du 2 mars"
        )
        assert forced.json()["overriddenGates"] == ["previous-report-accepted"]
        await accept_reports(gateway, year, applications[2026])
    else:
        paid = await pay(gateway, advance, year.state, amount="3500", paidOn=f"{current}-03-15")
        assert (paid.status_code, paid.json()["overriddenGates"]) == (200, [])
    return str(balance)


async def balance_paid(gateway: httpx.AsyncClient, year: Year, balance: str, current: int) -> None:
    """The year's balance, its financial report received."""
    paid = await pay(gateway, balance, year.state, amount="3500", paidOn=f"{current + 1}-02-15")
    assert (paid.status_code, paid.json()["overriddenGates"]) == (200, []), paid.text


async def amended_for_2028(gateway: httpx.AsyncClient, year: Year, url: str) -> None:
    amended = await send(
        gateway,
        "POST",
        f"{url}/amendments",
        year.pilot,
        {**planned(year, state_2028="6000"), "lastYear": 2028, "reason": "Avenant n°1 : baisse des crédits 2028"},
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["total"] == "43000.00"


async def the_last_years_dashboard_is_read(gateway: httpx.AsyncClient, year: Year) -> None:
    dashboard = await gateway.get(
        f"{API}/evaluation/years/2028", params={"contractCode": year.contract}, headers=year.pilot
    )
    assert dashboard.status_code == 200, dashboard.text
    figures = dashboard.json()
    assert (figures["actionsFunded"], figures["cpo"]["actions"], figures["cpo"]["goalMet"]) == (1, 1, True)
    assert (figures["newActions"]["actions"], figures["newActions"]["sharePercent"]) == (0, "0.0")
    assert figures["leverage"] == {
        "totalCost": "15000.00",
        "decided": "11000.00",
        "p147Decided": "7000.00",
        "coFinancing": "4000.00",
        "coFinancingPerP147Euro": "0.57",
    }
    # The share living in QPV the application declared (80 %) reaches the evaluation.
    expected = figures["beneficiaries"]["expectedAll"]
    assert (expected["total"], expected["shareInQpvPercent"]) == (120, "80.0")
    assert (figures["beneficiaries"]["reached"]["total"], figures["beneficiaries"]["reachedPercent"]) == (
        130,
        "108.3",
    )
    by_code = {item["code"]: item for item in figures["indicators"]}
    assert (by_code["PART-QPV"]["target"], by_code["PART-QPV"]["value"], by_code["PART-QPV"]["reached"]) == (
        "120",
        "125",
        True,
    )
    assert (by_code["ABANDON"]["target"], by_code["ABANDON"]["value"], by_code["ABANDON"]["reached"]) == (
        "10",
        "12",
        False,
    )
    assert figures["indicatorSummary"] == {"withTarget": 2, "reported": 2, "reached": 1}
    first_year = await gateway.get(
        f"{API}/evaluation/years/2025", params={"contractCode": year.contract}, headers=year.state
    )
    assert first_year.json()["newActions"] == {"actions": 1, "sharePercent": "100.0", "guidePercent": 30}
    assert (
        await gateway.get(f"{API}/evaluation/years/2025", params={"contractCode": year.contract}, headers=year.operator)
    ).status_code == 403


async def the_operators_history_is_read(gateway: httpx.AsyncClient, year: Year) -> None:
    history = await gateway.get(f"{API}/operators/{year.operator_id}/history", headers=year.operator)
    assert history.status_code == 200, history.text
    years = {item["year"]: item for item in history.json()["years"]}
    assert sorted(years) == list(YEARS)
    assert {(item["funded"], item["decided"], item["underCpo"]) for item in years.values()} == {(1, "11000.00", 1)}
    (action,) = years[2026]["actions"]
    assert (action["conventionReference"], action["financialReport"], action["reachedBeneficiaries"]) == (
        "CPO-2025-012",
        "accepted",
        90,
    )
    assert (
        await gateway.get(f"{API}/operators/{year.operator_id}/history", headers=year.other_operator)
    ).status_code == 404


async def closed_by_its_final_evaluation(gateway: httpx.AsyncClient, year: Year, url: str) -> None:
    unconditional = await gateway.post(f"{url}/final-evaluation", json=VERDICT, headers=year.pilot)
    assert unconditional.status_code == 428
    etag = (await gateway.get(url, headers=year.pilot)).headers["etag"]
    assert (
        await gateway.post(f"{url}/final-evaluation", json=VERDICT, headers={**year.operator, "If-Match": etag})
    ).status_code == 403
    closed = await gateway.post(f"{url}/final-evaluation", json=VERDICT, headers={**year.pilot, "If-Match": etag})
    assert closed.status_code == 201, closed.text
    final = closed.json()
    assert (final["status"], final["evaluation"]["outcome"], final["evaluation"]["recommendation"]) == (
        "closed",
        "met",
        "renew",
    )
    assert [(item["year"], item["decided"]) for item in final["years"]] == [(y, "11000.00") for y in YEARS]
    assert final["indicatorSummary"] == {"withTarget": 5, "reported": 5, "reached": 3}
    read = await gateway.get(f"{url}/final-evaluation", headers=year.operator)
    assert read.json()["evaluation"]["assessment"] == VERDICT["assessment"]


async def nothing_more_is_taken_once_closed(gateway: httpx.AsyncClient, year: Year, url: str) -> None:
    convention_now = (await gateway.get(url, headers=year.pilot)).json()
    assert (convention_now["status"], convention_now["events"][-1]["event"]) == ("closed", "final_evaluation")
    after = await write_if_match(
        gateway,
        "PUT",
        f"{url}/indicators/PART-QPV/values/2028",
        json={"value": "130", "source": "Registre"},
        headers=year.operator,
    )
    assert after.status_code == 409, "a closed convention takes no more values"
    again = await gateway.post(
        f"{url}/final-evaluation",
        json=VERDICT,
        headers={**year.pilot, "If-Match": (await gateway.get(url, headers=year.pilot)).headers["etag"]},
    )
    assert again.status_code == 409


async def value_declared(
    gateway: httpx.AsyncClient, year: Year, url: str, code: str, current: int, value: str, source: str
) -> None:
    declared = await write_if_match(
        gateway,
        "PUT",
        f"{url}/indicators/{code}/values/{current}",
        json={"value": value, "source": source},
        headers=year.operator,
    )
    assert declared.status_code == 200, declared.text


VERDICT = {"assessment": "Objectifs de fréquentation dépassés.", "outcome": "met", "recommendation": "renew"}


async def test_a_cpo_is_played_over_four_years_and_closed_by_its_final_evaluation(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    with step("the CPO is convened over 2025–2028, its indicators defined, and signed"):
        calls = {2025: year, **{y: await next_year(gateway, year, y) for y in YEARS[1:]}}
        url = await convened(gateway, year)
    with step("its 2025 application is attached to its first year"):
        applications = {2025: await first_year_attached(gateway, year, url)}
    balances: dict[int, str] = {}
    for current in YEARS:
        if current > 2025:
            with step(f"{current}: the year's application is renewed from the previous year's"):
                applications[current] = await renewed(
                    gateway, year, url, calls[current], current, applications[current - 1]
                )
        with step(f"{current}: the year's application is decided and notified"):
            notified = await play_to_notified(gateway, calls[current], {"id": applications[current]}, DECIDED)
            assert notified["state"] == "notified"
        with step(f"{current}: the State pays the year's advance; the balance waits for the year's report"):
            balances[current] = await advance_paid(gateway, year, applications, current)
        with step(f"{current}: the operator declares how many QPV residents the action welcomed"):
            await value_declared(gateway, year, url, "PART-QPV", current, PART_QPV[current], "Feuilles d'émargement")
        if current == 2027:
            with step("2027: an amendment lowers the State's 2028 credits"):
                await amended_for_2028(gateway, year, url)
        if current < 2028:  # the last year's reports come after the first try at the final evaluation
            with step(f"{current}: the year's reports are submitted before the next year's request"):
                await submit_reports(gateway, year, applications[current], REACHED[current])
                if current != 2026:  # the 2026 ones are accepted only during 2027
                    await accept_reports(gateway, year, applications[current])
            with step(f"{current}: the year's financial report received, its balance is paid"):
                await balance_paid(gateway, year, balances[current], current)

    with step("the last year, notified but not reported on, cannot be evaluated yet"):
        etag = (await gateway.get(url, headers=year.pilot)).headers["etag"]
        early = await gateway.post(f"{url}/final-evaluation", json=VERDICT, headers={**year.pilot, "If-Match": etag})
        assert early.status_code == 422
        assert early.json()["errors"][0]["rule"] == "last-year-reported"
    with step("the last year is reported on and its dropout rate declared"):
        await submit_reports(gateway, year, applications[2028], REACHED[2028])
        await balance_paid(gateway, year, balances[2028], 2028)
        await accept_reports(gateway, year, applications[2028])
        await value_declared(gateway, year, url, "ABANDON", 2028, "12", "Registre")
    with step("the 2028 and 2025 dashboards count the CPO, the leverage, beneficiaries and indicators"):
        await the_last_years_dashboard_is_read(gateway, year)
    with step("the operator's history shows each year under the CPO"):
        await the_operators_history_is_read(gateway, year)
    with step("the final evaluation, conditional and by a manager, closes the convention"):
        await closed_by_its_final_evaluation(gateway, year, url)
    with step("a closed convention takes no more values nor a second evaluation"):
        await nothing_more_is_taken_once_closed(gateway, year, url)


def action(**changes: Any) -> FundedAction:
    base: dict[str, Any] = {
        "application_id": uuid.uuid4(),
        "renewal": False,
        "under_cpo": False,
        "total_cost_cents": 1_000_000,
        "decided_cents": 600_000,
        "p147_decided_cents": 400_000,
        "expected": Reached(total=100, share_in_qpv_percent=50),
        "reached": None,
    }
    return FundedAction(**{**base, **changes})


def test_half_the_actions_under_cpo_is_not_more_than_half() -> None:
    figures = evaluate_year([action(under_cpo=True), action()])
    assert (figures.cpo_share_percent, figures.cpo_goal_met) == (Decimal("50.0"), False)
    assert evaluate_year([action(under_cpo=True), action(under_cpo=True), action()]).cpo_goal_met


def test_a_year_without_state_credits_or_actions_has_no_ratio() -> None:
    empty = evaluate_year([])
    assert (empty.cpo_share_percent, empty.new_share_percent, empty.leverage, empty.cpo_goal_met) == (
        None,
        None,
        None,
        False,
    )
    assert evaluate_year([action(p147_decided_cents=0)]).leverage is None


def test_reached_beneficiaries_are_compared_on_the_actions_that_reported() -> None:
    located = Reached.of({"total": 50, "share_in_qpv_percent": 10}, {"sharePercent": 90})
    assert located.share_in_qpv_percent == 90, "an uploaded list's share wins over the declared one"
    figures = evaluate_year(
        [action(reached=located), action(expected=Reached(total=300, share_in_qpv_percent=100))]
    ).beneficiaries
    assert (figures.expected_all.total, figures.reporting_actions, figures.expected_of_reporting.total) == (400, 1, 100)
    assert (figures.reached.total, figures.reached.share_in_qpv_percent, figures.reached_percent) == (
        50,
        Decimal("90.0"),
        Decimal("50.0"),
    )
    # 100 expected at 50 % and 300 at 100 %: 350 of 400 live in a QPV.
    assert figures.expected_all.share_in_qpv_percent == Decimal("87.5")
