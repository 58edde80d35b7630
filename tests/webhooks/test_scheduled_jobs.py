"""The platform's daily background work on the gateway's job engine (gateway/schedules.py): each periodic job
run as the worker runs it, against the real stack, calling an internal route with the gateway's own token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from procrastinate import App

from gateway.schedules import SCHEDULES
from identity.principal import JOBS_SCOPE, Role
from tests.clock import TravellingClock
from tests.events.feed import read_all
from tests.grants.playbook import API, Year, notified, open_year
from tests.participation.bodies import former_and_current_members, new_body
from tests.running_stack import RunningStack, gateway_settings


@pytest.fixture
async def job_app(stack: RunningStack) -> AsyncIterator[App]:
    from gateway.worker import job_app

    async with job_app(gateway_settings(stack), clock=stack.clock) as app, app.open_async():
        yield app


@pytest.fixture
async def notified_file(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> tuple[Year, dict[str, Any]]:
    """A contract's year and one application of it, instructed, decided and notified."""
    year = await open_year(stack, gateway, new_contract)
    clock.travel_to(date(2026, 3, 2))
    return year, await notified(gateway, year)


async def run(app: App, name: str, timestamp: int) -> dict[str, Any]:
    """One run of a scheduled job, as the worker runs it (its periodic `timestamp` names the run)."""
    answer: dict[str, Any] = await app.tasks[name].func(timestamp=timestamp)
    return answer


def test_each_schedule_is_a_daily_periodic_job_of_the_worker() -> None:
    from gateway.webhooks.jobs import QUEUE

    assert {scheduled.name for scheduled in SCHEDULES} == {
        "participation-retention",
        "grants-overdue-reports",
        "grants-kept-sums-check",
    }
    assert all(len(scheduled.cron.split()) == 5 and scheduled.cron.endswith("* * *") for scheduled in SCHEDULES)
    assert QUEUE == "gateway-webhooks"


async def test_the_internal_routes_take_the_jobs_token_only_and_stay_out_of_the_documents(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    admin = stack.headers([Role.PLATFORM_ADMIN])
    for scheduled in SCHEDULES:
        url = f"/api/{scheduled.service}{scheduled.path}"
        refused = await gateway.post(url, headers={**admin, "Idempotency-Key": "by-hand"})
        assert refused.status_code == 403, refused.text
        assert (await gateway.post(url)).status_code == 401
        document = (await gateway.get(f"/api/{scheduled.service}/openapi.json")).json()
        assert scheduled.path not in document["paths"]
    jobs = stack.headers([], scopes=[JOBS_SCOPE], subject="gateway-scheduled-jobs")
    wrong_scope = stack.headers([Role.PLATFORM_ADMIN], scopes=["grants:write"])
    assert (await gateway.post(f"/api/grants{SCHEDULES[1].path}", headers=wrong_scope)).status_code == 403
    assert (await gateway.post(f"/api/grants{SCHEDULES[1].path}", headers=jobs)).status_code == 200


async def test_overdue_reports_are_announced_once_without_personal_data(
    gateway: httpx.AsyncClient,
    new_contract: str,
    clock: TravellingClock,
    notified_file: tuple[Year, dict[str, Any]],
    job_app: App,
) -> None:
    year, notified_application = notified_file  # the 2025 action notified; its report is due on 30 June 2026
    application = notified_application["id"]
    _, cursor = await read_all(gateway, year.pilot, types="report.overdue")
    await run(job_app, "grants-overdue-reports", 1)  # not due yet: nothing of this contract announced
    clock.travel_to(date(2026, 7, 1))
    first = await run(job_app, "grants-overdue-reports", 2)
    again = await run(job_app, "grants-overdue-reports", 3)
    replayed = await run(job_app, "grants-overdue-reports", 2)  # the same run tried again: its answer replayed
    events, _ = await read_all(gateway, year.pilot, after=cursor, types="report.overdue")
    ours = [event for event in events if event["contractCode"] == new_contract]
    assert [(event["resourceType"], event["resourceId"]) for event in ours] == [("application", application)]
    assert ours[0]["related"] == {"operatorId": year.operator_id}
    assert first["announced"] >= 1
    assert again == {"announced": 0}
    assert replayed == first
    operators, _ = await read_all(gateway, year.other_operator, after=cursor, types="report.overdue")
    assert application not in {event["resourceId"] for event in operators}
    listed = await gateway.get(
        f"{API}/financial-reports/overdue", params={"contractCode": new_contract}, headers=year.pilot
    )
    assert [item["applicationId"] for item in listed.json()["items"]] == [application]  # still overdue on read


async def test_the_retention_rules_run_on_schedule(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock, job_app: App
) -> None:
    clock.travel_to(date(2025, 9, 1))
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    people = await former_and_current_members(gateway, pilot, new_contract, body_id)
    answer = await run(job_app, "participation-retention", 10)
    assert answer["memberIdentitiesDeleted"] >= 1
    assert set(answer) == {
        "drawsPurged",
        "poolIdentitiesDeleted",
        "memberIdentitiesDeleted",
        "consultationContactsDeleted",
    }
    former = (await gateway.get(f"/api/participation/people/{people['former']}/export", headers=pilot)).json()
    current = (await gateway.get(f"/api/participation/people/{people['current']}/export", headers=pilot)).json()
    assert former["identity"] is None
    assert current["identity"]["familyName"] == "current"
    assert (await run(job_app, "participation-retention", 11))["memberIdentitiesDeleted"] == 0


async def test_kept_sums_that_differ_from_the_applications_are_rebuilt_each_night(
    stack: RunningStack,
    gateway: httpx.AsyncClient,
    new_contract: str,
    notified_file: tuple[Year, dict[str, Any]],
    job_app: App,
) -> None:
    year, application = notified_file
    lines = len(application["financingLines"])
    totals = f"{API}/programmation/totals"
    of_year: dict[str, str | int] = {"contractCode": new_contract, "year": 2025}
    right = (await gateway.get(totals, params=of_year, headers=year.pilot)).json()
    assert right["figures"]["applications"] == 1
    # A writer bypassing what the triggers assume: a phantom application in the sums, lines marked dead.
    async with stack.runtime_connection("grants") as connection:
        await connection.execute(
            "INSERT INTO grants.programmation_sums (contract_code, year, dimension, key, applications,"
            " requested_cents, proposed_cents, decided_cents, funded, beneficiaries)"
            " VALUES ($1, 2025, 'counts', '', 1, 0, 0, 0, 0, 0)",
            new_contract,
        )
        await connection.execute(
            "UPDATE grants.financing_lines SET application_live = false WHERE contract_code = $1", new_contract
        )
        fresh = {**year.pilot, "Cache-Control": "no-cache"}
        wrong = (await gateway.get(totals, params=of_year, headers=fresh)).json()  # and remembered so
        assert wrong["figures"]["applications"] == 2
        assert wrong["byFinancer"] == []
        answer = await run(job_app, "grants-kept-sums-check", 1)
        audited = await connection.fetch(
            "SELECT before, after FROM grants.audit_events WHERE action = 'programmation_sums.rebuilt'"
            " AND entity_id = $1",
            new_contract,
        )
    assert answer["contracts"] >= 1
    ours = [rebuilt for rebuilt in answer["rebuilt"] if rebuilt["contractCode"] == new_contract]
    assert ours == [{"contractCode": new_contract, "differingKeys": 1 + lines, "mismarkedLines": lines}]
    assert (await gateway.get(totals, params=of_year, headers=year.pilot)).json() == right  # nothing stale kept
    assert len(audited) == 1
    again = await run(job_app, "grants-kept-sums-check", 2)
    assert new_contract not in {rebuilt["contractCode"] for rebuilt in again["rebuilt"]}
    assert new_contract not in {rewritten["contractCode"] for rewritten in again["itemsRewritten"]}


async def test_kept_programmation_items_that_differ_from_their_applications_are_written_again_each_night(
    stack: RunningStack,
    gateway: httpx.AsyncClient,
    new_contract: str,
    notified_file: tuple[Year, dict[str, Any]],
    job_app: App,
) -> None:
    year, application = notified_file
    listed = f"{API}/programmation"
    of_year: dict[str, str | int] = {"contractCode": new_contract, "year": 2025}
    right = (await gateway.get(listed, params=of_year, headers=year.pilot)).json()
    # A writer bypassing the triggers: an item that no longer says what its application's rows say.
    async with stack.runtime_connection("grants") as connection:
        await connection.execute(
            "UPDATE grants.programmation_items SET item = replace(item, 'p147', 'altered')"
            " WHERE application_id = $1::uuid",
            application["id"],
        )
        fresh = {**year.pilot, "Cache-Control": "no-cache"}
        wrong = (await gateway.get(listed, params=of_year, headers=fresh)).json()  # and remembered so
        assert wrong["items"][0]["scheme"] == "altered"
        answer = await run(job_app, "grants-kept-sums-check", 21)  # runs of its own: a run is kept by its time
        audited = await connection.fetch(
            "SELECT before, after FROM grants.audit_events WHERE action = 'programmation_items.rewritten'"
            " AND entity_id = $1",
            new_contract,
        )
    assert new_contract not in {rebuilt["contractCode"] for rebuilt in answer["rebuilt"]}  # its sums are right
    ours = [rewritten for rewritten in answer["itemsRewritten"] if rewritten["contractCode"] == new_contract]
    assert ours == [{"contractCode": new_contract, "items": 1}]
    assert (await gateway.get(listed, params=of_year, headers=year.pilot)).json() == right  # nothing stale kept
    assert [(row["before"], row["after"]) for row in audited] == [('{"differingItems": 1}', '{"differingItems": 0}')]
    again = await run(job_app, "grants-kept-sums-check", 22)
    assert new_contract not in {rewritten["contractCode"] for rewritten in again["itemsRewritten"]}
