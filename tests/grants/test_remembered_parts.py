"""The programmation's remembered answers hold the live and notified files of their contract, the public
totals the notified ones only: a draft leaves both standing, a submission drops the programmation's, and
only a notification drops the public totals (kit/response_cache.py's parts)."""

from __future__ import annotations

import httpx
import pytest

from tests.grants.playbook import (
    API,
    Year,
    budget,
    draft,
    next_year,
    notified,
    open_year,
    play_to_notified,
    send,
    submit,
)
from tests.running_stack import RunningStack
from tests.services.test_remembered_answers import settled

# What one process remembers: each app answers from one instance here, though it may run several
# (CDQ_TEST_REPLICAS); tests/services/test_workers.py shows what several processes share.
pytestmark = pytest.mark.usefixtures("one_instance")


async def _heard(stack: RunningStack) -> None:
    """Every change committed so far heard by grants (told by a change of a contract of no one)."""
    await settled(stack, scope="CV-NOBODY", service="grants")


async def _read(gateway: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    answer = await gateway.get(url, headers=headers or {})
    assert answer.status_code == 200, answer.text
    return answer


async def _remembered(gateway: httpx.AsyncClient, urls: list[str], headers: dict[str, str] | None) -> None:
    """Each answer read once, then served remembered."""
    for url in urls:
        await _read(gateway, url, headers)
        assert (await _read(gateway, url, headers)).headers["cache-status"] == "cdq; hit"


async def test_a_draft_leaves_the_programmation_standing_and_only_a_notification_drops_the_public_totals(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    year: Year = await open_year(stack, gateway, new_contract)
    await notified(gateway, year, title="Action notifiée")
    await _heard(stack)
    programmation = f"{API}/programmation?contractCode={year.contract}&year=2025"
    public = f"{API}/open-data/programmation-totals?contractCode={year.contract}&year=2025"
    await _remembered(gateway, [programmation], year.pilot)
    await _remembered(gateway, [public], None)

    # A draft and its budget: outside the programmation.
    application = await draft(gateway, year, title="Action de dernière minute")
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    await _heard(stack)
    standing = await _read(gateway, programmation, year.pilot)
    assert standing.headers["cache-status"] == "cdq; hit"
    assert [item["title"] for item in standing.json()["items"]] == ["Action notifiée"]
    assert (await _read(gateway, public, None)).headers["cache-status"] == "cdq; hit"

    # Its submission: the programmation holds it at once; the public totals (notified files) stay.
    assert (await submit(gateway, year, application["id"])).status_code == 200
    await _heard(stack)
    dropped = await _read(gateway, programmation, year.pilot)
    assert dropped.headers["cache-status"] == "cdq; fwd=miss"
    assert sorted(item["title"] for item in dropped.json()["items"]) == ["Action de dernière minute", "Action notifiée"]
    kept_totals = await _read(gateway, public, None)
    assert kept_totals.headers["cache-status"] == "cdq; hit"
    assert kept_totals.json()["figures"]["applications"] == 1

    # A second file played to its notification: the public totals count it.
    await play_to_notified(gateway, year, await draft(gateway, year, title="Seconde action notifiée"))
    await _heard(stack)
    recounted = await _read(gateway, public, None)
    assert recounted.headers["cache-status"] == "cdq; fwd=miss"
    assert recounted.json()["figures"]["applications"] == 2


async def test_a_submission_of_one_year_leaves_the_answers_of_another_year_standing(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    year: Year = await open_year(stack, gateway, new_contract)
    await notified(gateway, year, title="Action de 2025")
    following = await next_year(gateway, year, 2026)
    await _heard(stack)
    of_2025 = f"{API}/programmation?contractCode={year.contract}&year=2025"
    every_year = f"{API}/programmation/totals?contractCode={year.contract}"
    await _remembered(gateway, [of_2025, every_year], year.pilot)

    application = await draft(gateway, following, title="Action de 2026")
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", following.operator, budget(following))).status_code == 200
    assert (await submit(gateway, following, application["id"])).status_code == 200
    await _heard(stack)
    standing = await _read(gateway, of_2025, year.pilot)
    assert standing.headers["cache-status"] == "cdq; hit"
    assert [item["title"] for item in standing.json()["items"]] == ["Action de 2025"]
    recounted = await _read(gateway, every_year, year.pilot)
    assert recounted.headers["cache-status"] == "cdq; fwd=miss"
    assert recounted.json()["figures"]["applications"] == 2


async def test_the_applications_of_a_call_stand_while_another_calls_applications_change(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    year: Year = await open_year(stack, gateway, new_contract)
    await draft(gateway, year, title="Action de 2025")
    following = await next_year(gateway, year, 2026)
    await _heard(stack)
    of_2025 = f"{API}/applications?contractCode={year.contract}&callId={year.call_id}"
    of_every_call = f"{API}/applications?contractCode={year.contract}"
    await _remembered(gateway, [of_2025, of_every_call], year.caf)

    await draft(gateway, following, title="Action de 2026")
    await _heard(stack)
    standing = await _read(gateway, of_2025, year.caf)
    assert standing.headers["cache-status"] == "cdq; hit"
    assert [item["title"] for item in standing.json()["items"]] == ["Action de 2025"]
    listed = await _read(gateway, of_every_call, year.caf)
    assert listed.headers["cache-status"] == "cdq; fwd=miss"
    assert [item["title"] for item in listed.json()["items"]] == ["Action de 2026", "Action de 2025"]


async def test_a_year_of_digits_int_refuses_is_a_clear_refusal(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """'²' is a digit to Python's str.isdigit but no number: the year a remembered answer holds is read
    before the route validates it, and must not fail there."""
    year = await open_year(stack, gateway, new_contract)
    for url in (f"{API}/programmation", f"{API}/programmation/totals"):
        answer = await gateway.get(url, params={"contractCode": year.contract, "year": "²"}, headers=year.pilot)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == "year"
