"""Each application's financers as the programmation page shows them, kept by the triggers of its lines
(migration gran0029): always the JSON its lines give, whatever writes them."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import httpx

from tests.grants.kept.writers import second_waits_for_first, two_writers
from tests.grants.playbook import API, Year, budget, draft, notified, send, submit
from tests.running_stack import RunningStack

# What the page built from the lines on every read before they were kept (programmation/repository/statements.py).
COMPUTED = """
SELECT coalesce(json_agg(json_build_object(
    'institutionCode', institution.code,
    'requested', CAST(CAST(CAST(line.requested_cents AS NUMERIC(18, 2)) / 100 AS NUMERIC(16, 2)) AS TEXT),
    'proposed', CAST(CAST(CAST(line.proposed_cents AS NUMERIC(18, 2)) / 100 AS NUMERIC(16, 2)) AS TEXT),
    'decided', CAST(CAST(CAST(line.decided_cents AS NUMERIC(18, 2)) / 100 AS NUMERIC(16, 2)) AS TEXT))
    ORDER BY institution.code COLLATE "C"), '[]'::json)::text
FROM grants.financing_lines AS line
JOIN grants.institutions AS institution ON institution.institution_id = line.institution_id
WHERE line.application_id = $1
"""
KEPT = (
    "SELECT coalesce((SELECT financers FROM grants.application_financers WHERE application_id = $1), '[]'::json)::text"
)


async def _kept_and_computed(connection: asyncpg.Connection, application_id: uuid.UUID) -> tuple[str, str]:
    return await connection.fetchval(KEPT, application_id), await connection.fetchval(COMPUTED, application_id)


async def test_the_kept_financers_follow_the_applications_through_their_instruction(
    gateway: httpx.AsyncClient, database: asyncpg.Connection, year: Year
) -> None:
    drafted = await draft(gateway, year)
    url = f"{API}/applications/{drafted['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert await _kept_and_computed(database, uuid.UUID(drafted["id"])) == ("[]", "[]")  # no line before it is sent
    submitted = await draft(gateway, year)
    submitted_url = f"{API}/applications/{submitted['id']}"
    assert (await send(gateway, "PUT", f"{submitted_url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, submitted["id"])).status_code == 200
    decided = await notified(gateway, year)
    for application in (submitted["id"], decided["id"]):
        kept, computed = await _kept_and_computed(database, uuid.UUID(application))
        assert kept == computed
        assert "etat-p147" in kept
    assert '"decided" : "7000.01"' in (await _kept_and_computed(database, uuid.UUID(decided["id"])))[0]
    # What the page answers: the kept arrays.
    page = await gateway.get(
        f"{API}/programmation", params={"contractCode": year.contract, "year": 2025, "limit": 50}, headers=year.pilot
    )
    assert page.status_code == 200, page.text
    shown = {item["applicationId"]: item["financers"] for item in page.json()["items"]}
    for application in (submitted["id"], decided["id"]):
        assert shown[application] == json.loads((await _kept_and_computed(database, uuid.UUID(application)))[0])
    assert [line["decided"] for line in shown[decided["id"]]] == ["4000.00", "7000.01"]  # cua, etat-p147


async def test_every_writer_of_the_lines_keeps_them(
    gateway: httpx.AsyncClient, database: asyncpg.Connection, year: Year
) -> None:
    application = uuid.UUID((await notified(gateway, year))["id"])
    before, _ = await _kept_and_computed(database, application)
    undone = database.transaction()  # rolled back at the end: other tests' rows stay as they were
    await undone.start()
    try:
        # Liveness alone changes no array.
        await database.execute(
            "UPDATE grants.financing_lines SET application_live = NOT application_live WHERE application_id = $1",
            application,
        )
        assert await _kept_and_computed(database, application) == (before, before)
        # An amount, by a statement that bypasses the use cases.
        await database.execute(
            "UPDATE grants.financing_lines SET proposed_cents = 123456 WHERE application_id = $1", application
        )
        kept, computed = await _kept_and_computed(database, application)
        assert kept == computed
        assert '"proposed" : "1234.56"' in kept
        # A financer's code.
        await database.execute(
            "UPDATE grants.institutions SET code = 'zz-' || code WHERE institution_id IN"
            " (SELECT institution_id FROM grants.financing_lines WHERE application_id = $1)",
            application,
        )
        kept, computed = await _kept_and_computed(database, application)
        assert kept == computed
        assert '"institutionCode" : "zz-' in kept
        # Lines deleted.
        await database.execute("DELETE FROM grants.financing_lines WHERE application_id = $1", application)
        assert await _kept_and_computed(database, application) == ("[]", "[]")
        # Lines added back in one statement (as a COPY or an import would).
        await database.execute(
            "INSERT INTO grants.financing_lines (application_id, institution_id, contract_code, year, requested_cents)"
            " SELECT $1, institution_id, contract_code, 2025, 50000 FROM grants.institutions"
            " WHERE code LIKE 'zz-%' AND contract_code = $2",
            application,
            year.contract,
        )
        kept, computed = await _kept_and_computed(database, application)
        assert kept == computed
        assert '"requested" : "500.00"' in kept
    finally:
        await undone.rollback()
    assert (await _kept_and_computed(database, application))[0] == before


async def test_two_writers_of_one_application_s_lines_beside_each_other_keep_both(
    gateway: httpx.AsyncClient, stack: RunningStack, database: asyncpg.Connection, year: Year
) -> None:
    """Neither holds the application (as an import or a script may not): the second waits for the first's
    array, then writes its own from both their lines."""
    application = uuid.UUID((await notified(gateway, year))["id"])
    amend = "UPDATE grants.financing_lines SET proposed_cents = $2 WHERE application_id = $1 AND institution_id = $3"
    one, other = year.institutions["etat-p147"], year.institutions["cua"]
    async with two_writers(stack) as (first, second):
        first_transaction = first.transaction()
        await first_transaction.start()
        await first.execute(amend, application, 111100, uuid.UUID(one))
        second_write = asyncio.create_task(second.execute(amend, application, 222200, uuid.UUID(other)))
        await second_waits_for_first(database, first_transaction, second_write)
        kept, computed = await _kept_and_computed(database, application)
        assert kept == computed
        assert '"proposed" : "1111.00"' in kept
        assert '"proposed" : "2222.00"' in kept
