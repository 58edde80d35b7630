"""Payments and financial reports: tranches that add up to the cent, payments within the decided amount,
gates (credits voted, the previous year's report accepted) and their reasoned override, failed payments
reissued; the financial report with its gaps, returned and accepted."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from services.grants.errors import RuleViolationError
from services.grants.payments.domain import check_payment, split_largest_remainder
from tests.clock import TravellingClock
from tests.conditional_writes import write_if_match
from tests.grants.playbook import API, Year, budget, draft, move, next_year, notified, open_year, play_to_notified, send
from tests.running_stack import RunningStack
from tests.steps import step


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (700_001, [1, 1, 1], [233_334, 233_334, 233_333]),
        (1_000_000, [50, 30, 20], [500_000, 300_000, 200_000]),
        (5, [0, 3, 1], [0, 4, 1]),
        (1, [1, 1], [1, 0]),
    ],
)
def test_largest_remainder_splits_add_up_to_the_cent(total: int, weights: list[int], parts: list[int]) -> None:
    assert split_largest_remainder(total, weights) == parts
    assert sum(parts) == total


def test_a_payment_never_takes_the_line_past_its_decided_amount() -> None:
    check_payment(500, 500, 9_500, 10_000)
    with pytest.raises(RuleViolationError) as raised:
        check_payment(600, 600, 9_500, 10_000)
    assert raised.value.rule == "paid-within-decided"
    with pytest.raises(RuleViolationError) as raised:
        check_payment(700, 600, 0, 10_000)
    assert raised.value.rule == "paid-within-tranche"


def tranches_url(year: Year, application: str, code: str) -> str:
    return f"{API}/applications/{application}/financing-lines/{year.institutions[code]}/tranches"


async def plan(
    gateway: httpx.AsyncClient, year: Year, application: str, code: str, headers: dict[str, str], body: Any
) -> httpx.Response:
    return await write_if_match(
        gateway, "PUT", tranches_url(year, application, code), json={"tranches": body}, headers=headers
    )


async def pay(gateway: httpx.AsyncClient, tranche: str, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await gateway.post(
        f"{API}/tranches/{tranche}/payment", json={"paidOn": "2025-03-15", **body}, headers=headers
    )


async def vote(gateway: httpx.AsyncClient, year: Year, call_id: str, code: str) -> None:
    voted = await write_if_match(
        gateway,
        "PUT",
        f"{API}/calls/{call_id}/envelopes/{year.institutions[code]}",
        json={"amount": "500000"},
        headers=year.pilot,
    )
    assert voted.status_code == 200, voted.text


async def test_tranches_add_up_and_payments_follow_them(gateway: httpx.AsyncClient, year: Year) -> None:
    with step("a plan that breaks a rule, or of another financer's line, is refused"):
        application = (await notified(gateway, year))["id"]
        weighted = [{"kind": kind, "weight": 1} for kind in ("advance", "instalment", "balance")]
        # Every rule of a plan: tests/grants/use_cases/test_payments.py; here, a plan by amounts and by weights.
        for wrong, rule in (
            ([{"kind": "advance", "amount": "3000"}, {"kind": "balance", "amount": "4000"}], "tranches-add-up"),
            ([{"kind": "advance", "amount": "3000"}, {"kind": "balance", "weight": 1}], "one-way"),
        ):
            refused = await plan(gateway, year, application, "etat-p147", year.state, wrong)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["rule"] == rule
        assert (await plan(gateway, year, application, "etat-p147", year.caf, weighted)).status_code == 403
        assert (await plan(gateway, year, application, "etat-p147", year.operator, weighted)).status_code == 403
    with step("the State's tranches add up to its decided amount to the cent"):
        planned = await plan(gateway, year, application, "etat-p147", year.state, weighted)
        assert planned.status_code == 200, planned.text
        tranches = planned.json()
        assert [item["planned"] for item in tranches] == ["2333.34", "2333.34", "2333.33"]  # 7 000,01 € exactly
    with step("a payment waits for the credits vote and stays within its tranche"):
        advance = tranches[0]["id"]
        blocked = await pay(gateway, advance, year.state, amount="2333.34")
        assert blocked.status_code == 422
        assert [error["rule"] for error in blocked.json()["errors"]] == ["credits-voted"]
        await vote(gateway, year, year.call_id, "etat-p147")
        too_much = await pay(gateway, advance, year.state, amount="2333.35")
        assert too_much.json()["errors"][0]["rule"] == "paid-within-tranche"
        paid = await pay(
            gateway, advance, year.state, amount="2333.34", chorusCommitment="2103814945", chorusPayment="DP-1"
        )
        assert paid.status_code == 200, paid.text
        assert (paid.json()["status"], paid.json()["paid"], paid.json()["overriddenGates"]) == ("paid", "2333.34", [])
        assert (await pay(gateway, advance, year.state, amount="1")).status_code == 409
        replanned = await plan(gateway, year, application, "etat-p147", year.state, weighted)
        assert replanned.status_code == 409
    with step("a failed payment is reissued and paid"):
        failed = await gateway.post(
            f"{API}/tranches/{advance}/failure", json={"reason": "RIB clôturé"}, headers=year.state
        )
        assert failed.json()["status"] == "failed"
        reissued = await gateway.post(f"{API}/tranches/{advance}/reissue", headers=year.state)
        assert reissued.status_code == 201, reissued.text
        assert (reissued.json()["replaces"], reissued.json()["planned"]) == (advance, "2333.34")
        assert (await pay(gateway, reissued.json()["id"], year.state, amount="2333.34")).status_code == 200
    with step("the CUA pays past the credits gate with a reason"):
        cua = await plan(gateway, year, application, "cua", year.cua, [{"kind": "single", "amount": "4000"}])
        assert cua.status_code == 200, cua.text
        forced = await pay(gateway, cua.json()[0]["id"], year.cua, amount="4000", overrideReason="Vote du 12 mars, PV")
        assert forced.status_code == 200, forced.text
        assert (forced.json()["overriddenGates"], forced.json()["overrideReason"]) == (
            ["credits-voted"],
            "Vote du 12 mars, PV",
        )
    with step("the operator reads its tranches, another operator none"):
        listed = await gateway.get(f"{API}/applications/{application}/tranches", headers=year.operator)
        assert sorted(item["status"] for item in listed.json()) == [
            "paid",
            "paid",
            "planned",
            "planned",
            "replaced",
        ]
        assert (
            await gateway.get(f"{API}/applications/{application}/tranches", headers=year.other_operator)
        ).status_code == 404


def report(year: Year, **changes: Any) -> dict[str, Any]:
    lines = [
        {"account": "60", "label": "Achats", "amount": "3000"},
        {"account": "64", "label": "Salaires", "amount": "12000"},
        {"account": "74", "label": "État P147", "amount": "7000", "institutionId": year.institutions["etat-p147"]},
        {"account": "74", "label": "CUA", "amount": "4000", "institutionId": year.institutions["cua"]},
        {"account": "75", "label": "Cotisations", "amount": "3000"},
        {"account": "86", "label": "Bénévolat", "amount": "2000"},
        {"account": "87", "label": "Contributions", "amount": "2000"},
    ]
    return {"lines": lines, **changes}


async def test_the_previous_years_report_gates_the_next_years_payments(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year, clock: TravellingClock
) -> None:
    with step("2 March 2026: the 2025 action is notified, its report missing but not due yet"):
        clock.travel_to(date(2026, 3, 2))  # 2025 has ended; its report is due on 30 June 2026
        first = await notified(gateway, year)
        missing = await gateway.get(f"{API}/applications/{first['id']}/financial-report", headers=year.operator)
        assert (missing.json()["status"], missing.json()["dueOn"]) == ("missing", "2026-06-30")
    with step("its 2026 request waits for the 2025 report"):
        second_year = await next_year(gateway, year)
        second_draft = await draft(
            gateway,
            second_year,
            actionId=first["actionId"],
            previousApplicationId=first["id"],
            dauphinNumber="DA20260001-1",
        )
        budgeted = await send(
            gateway, "PUT", f"{API}/applications/{second_draft['id']}/budget", year.operator, budget(year)
        )
        assert budgeted.status_code == 200
        early = await move(gateway, second_draft["id"], year.operator, "submit")
        assert early.status_code == 422
        # Late too (the 2026 call closed on 30 November 2025): every rule broken is named at once.
        assert [error["rule"] for error in early.json()["errors"]] == [
            "submitted-before-closing",
            "report-before-new-request",
        ]
    with step("the overdue reports, judged on the day given or today"):
        overdue = f"{API}/financial-reports/overdue"
        not_due_yet = await gateway.get(overdue, params={"contractCode": year.contract}, headers=year.pilot)
        assert not_due_yet.json()["items"] == [], "judged today (2 March 2026) by default"
        late = await gateway.get(
            overdue, params={"contractCode": year.contract, "on": "2026-07-01"}, headers=year.pilot
        )
        assert [(item["applicationId"], item["status"], item["dueOn"]) for item in late.json()["items"]] == [
            (first["id"], "missing", "2026-06-30")
        ]
        assert (late.json()["total"], late.json()["limit"]) == (1, 50)
        in_time = await gateway.get(
            overdue, params={"contractCode": year.contract, "on": "2026-06-30"}, headers=year.pilot
        )
        assert in_time.json()["items"] == []
        clock.travel_to(date(2026, 7, 1))
        late_today = await gateway.get(overdue, params={"contractCode": year.contract}, headers=year.pilot)
        assert [item["applicationId"] for item in late_today.json()["items"]] == [first["id"]]
        assert (await gateway.get(overdue, params={"contractCode": year.contract}, headers=year.other_operator)).json()[
            "items"
        ] == []
    with step("the operator's report explains its gaps; no one else writes it"):
        url = f"{API}/applications/{first['id']}/financial-report"
        unexplained = report(year)
        unexplained["lines"][1]["amount"] = "9000"  # salaries 12 000 € planned, 9 000 € spent
        refused = await write_if_match(gateway, "PUT", url, json=unexplained, headers=year.operator)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["rule"] == "gap-explained"
        with_cents = report(year)
        with_cents["lines"][0]["amount"] = "3000.50"
        with_cents["lines"][1]["amount"] = "9000"
        both = await write_if_match(gateway, "PUT", url, json=with_cents, headers=year.operator)
        assert [(error["field"], error["rule"]) for error in both.json()["errors"]] == [
            ("lines/0/amount", "whole-euros"),
            ("lines", "gap-explained"),
        ]
        assert "12\u202f000 €" in refused.json()["errors"][0]["message"]
        unsplit = report(year)
        del unsplit["lines"][2]["institutionId"]
        split = await write_if_match(gateway, "PUT", url, json=unsplit, headers=year.operator)
        assert [(error["field"], error["rule"]) for error in split.json()["errors"]] == [
            ("lines/2/institutionId", "financer-required"),
            ("lines", "gap-explained"),
            ("lines", "gap-explained"),
        ]
        assert (
            await write_if_match(gateway, "PUT", url, json=report(year), headers=year.other_operator)
        ).status_code == 404
        assert (await write_if_match(gateway, "PUT", url, json=report(year), headers=year.state)).status_code == 403
        unexplained["lines"][1]["explanation"] = "Un poste vacant trois mois"
        submitted = await write_if_match(gateway, "PUT", url, json=unexplained, headers=year.operator)
        assert submitted.status_code == 200, submitted.text
        gaps = {
            (item["account"], item["institutionId"]): (item["planned"], item["actual"])
            for item in submitted.json()["gaps"]
        }
        assert gaps["64", None] == ("12000.00", "9000.00")
        assert gaps["74", year.institutions["etat-p147"]] == ("8000.00", "7000.00")  # CERFA 15059: by financer
        assert gaps["74", year.institutions["cua"]] == ("4000.00", "4000.00")
        assert (await gateway.get(overdue, params={"contractCode": year.contract}, headers=year.pilot)).json()[
            "items"
        ] == []
    with step("the 2026 payment waits for the 2025 report to be accepted"):
        second = await play_to_notified(gateway, second_year, second_draft)
        await vote(gateway, year, second_year.call_id, "etat-p147")
        planned = await plan(gateway, year, second["id"], "etat-p147", year.state, [{"kind": "single", "weight": 1}])
        tranche = planned.json()[0]["id"]
        blocked = await pay(gateway, tranche, year.state, amount="7000.01")
        assert [error["rule"] for error in blocked.json()["errors"]] == ["previous-report-accepted"]
    with step("the report is returned saying what to correct, sent again and accepted"):
        review = f"{url}/review"
        assert (await gateway.post(review, json={"decision": "return"}, headers=year.state)).status_code == 422
        returned = await gateway.post(
            review, json={"decision": "return", "comment": "Joindre le bilan"}, headers=year.state
        )
        assert returned.json()["status"] == "returned"
        assert (await gateway.post(review, json={"decision": "accept"}, headers=year.state)).status_code == 409
        assert (await write_if_match(gateway, "PUT", url, json=unexplained, headers=year.operator)).json()[
            "status"
        ] == "submitted"
        accepted = await gateway.post(review, json={"decision": "accept"}, headers=year.state)
        assert accepted.json()["status"] == "accepted"
        assert (await write_if_match(gateway, "PUT", url, json=unexplained, headers=year.operator)).status_code == 409
    with step("the 2026 payment goes through"):
        paid = await pay(gateway, tranche, year.state, amount="7000.01")
        assert paid.status_code == 200, paid.text
        assert paid.json()["overriddenGates"] == []


async def test_a_tranche_paid_or_reissued_by_several_at_once_is_so_once(gateway: httpx.AsyncClient, year: Year) -> None:
    """Each request reads the tranche, then waits for the others' lock: the one that follows must see it as
    the first left it (paid), not as it read it before (planned). It paid it again, and reissued a failed
    tranche three times, the line's tranches then above its decided amount."""
    application = (await notified(gateway, year))["id"]
    await vote(gateway, year, year.call_id, "etat-p147")
    planned = await plan(gateway, year, application, "etat-p147", year.state, [{"kind": "single", "weight": 1}])
    assert planned.status_code == 200, planned.text
    tranche = planned.json()[0]
    payments = await asyncio.gather(
        *(pay(gateway, tranche["id"], year.state, amount="100", chorusPayment=f"DP-{n}") for n in range(4))
    )
    assert sorted(answer.status_code for answer in payments) == [200, 409, 409, 409], [a.text for a in payments]
    (accepted,) = [answer for answer in payments if answer.status_code == 200]
    listed = await gateway.get(f"{API}/applications/{application}/tranches", headers=year.state)
    (stored,) = listed.json()
    assert (stored["status"], stored["paid"], stored["chorusPayment"]) == (
        "paid",
        "100.00",
        accepted.json()["chorusPayment"],
    )
    failed = await gateway.post(f"{API}/tranches/{tranche['id']}/failure", json={"reason": "RIB"}, headers=year.state)
    assert failed.status_code == 200, failed.text
    reissues = await asyncio.gather(
        *(gateway.post(f"{API}/tranches/{tranche['id']}/reissue", headers=year.state) for _ in range(3))
    )
    assert sorted(answer.status_code for answer in reissues) == [201, 409, 409], [a.text for a in reissues]
    listed = await gateway.get(f"{API}/applications/{application}/tranches", headers=year.state)
    assert sorted(item["status"] for item in listed.json()) == ["planned", "replaced"]
