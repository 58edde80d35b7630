"""Each application's item of the programmation page, kept by the triggers of the rows it shows (migration
gran0031): always the JSON those rows give, whatever writes them, and what the page answers."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import httpx

from tests.grants.kept.writers import second_waits_for_first, two_writers
from tests.grants.playbook import API, Year, budget, draft, notified, send, submit
from tests.running_stack import RunningStack

# What the page built from the rows on every read before the items were kept (its statement until gran0031).
COMPUTED = """
SELECT CAST(json_build_object(
    'applicationId', application.application_id, 'title', application.title, 'year', application.year,
    'scheme', call.scheme, 'state', application.state, 'outcome', application.outcome,
    'qpvCodes', application.qpv_codes, 'horsQpv', application.hors_qpv,
    'operatorId', operator.operator_id, 'operatorNom', operator.nom, 'operatorProfile', operator.profile,
    'objectiveCode', objective.code, 'pillar', objective.pillar,
    'financers', coalesce((SELECT financers FROM grants.application_financers AS kept
                           WHERE kept.application_id = application.application_id), '[]'::json)) AS TEXT)
FROM grants.applications AS application
JOIN grants.calls_for_projects AS call ON call.call_id = application.call_id
JOIN grants.operators AS operator ON operator.operator_id = application.operator_id
LEFT JOIN grants.objectives AS objective ON objective.objective_id = application.primary_objective_id
WHERE application.application_id = $1
"""
EMPLOI = "emploi_developpement_economique"
KEPT = "SELECT item FROM grants.programmation_items WHERE application_id = $1"


async def _kept_and_computed(connection: asyncpg.Connection, application_id: uuid.UUID) -> tuple[str, str]:
    return await connection.fetchval(KEPT, application_id), await connection.fetchval(COMPUTED, application_id)


async def _assert_kept(connection: asyncpg.Connection, application_id: uuid.UUID) -> dict[str, object]:
    kept, computed = await _kept_and_computed(connection, application_id)
    assert kept is not None, "no item kept"
    assert kept == computed
    item: dict[str, object] = json.loads(kept)
    return item


def _financers(item: dict[str, object]) -> list[dict[str, str]]:
    financers = item["financers"]
    assert isinstance(financers, list)
    return financers


async def _page(gateway: httpx.AsyncClient, opened: Year, **filters: str | int) -> list[dict[str, object]]:
    """The first page of the contract's programmation, computed (not a remembered answer)."""
    params: dict[str, str | int] = {"contractCode": opened.contract, "limit": 50, **filters}
    answer = await gateway.get(
        f"{API}/programmation", params=params, headers={**opened.pilot, "Cache-Control": "no-cache"}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


async def test_the_kept_items_follow_the_applications_through_their_instruction(
    gateway: httpx.AsyncClient, database: asyncpg.Connection, year: Year
) -> None:
    drafted = await draft(gateway, year, title="Brouillon")
    url = f"{API}/applications/{drafted['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert (await _assert_kept(database, uuid.UUID(drafted["id"])))["state"] == "draft"
    submitted = await draft(gateway, year, title="Soumise")
    submitted_url = f"{API}/applications/{submitted['id']}"
    assert (await send(gateway, "PUT", f"{submitted_url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, submitted["id"])).status_code == 200
    decided = await notified(gateway, year)
    shown = {str(item["applicationId"]): item for item in await _page(gateway, year, year=2025)}
    assert drafted["id"] not in shown  # a draft is kept, not listed
    for application, state in ((submitted["id"], "submitted"), (decided["id"], "notified")):
        item = await _assert_kept(database, uuid.UUID(application))
        assert item["state"] == state
        assert item == shown[application]  # what the page answers: the kept item
    assert [line["decided"] for line in _financers(shown[decided["id"]])] == ["4000.00", "7000.01"]  # cua, etat-p147
    # A page filtered by a column the kept rows do not hold (the scheme: a join) answers the same items.
    assert await _page(gateway, year, year=2025, scheme="p147") == list(shown.values())


async def test_every_writer_of_the_rows_an_item_shows_keeps_it(
    gateway: httpx.AsyncClient, database: asyncpg.Connection, year: Year
) -> None:
    application = uuid.UUID((await notified(gateway, year))["id"])
    before = await _assert_kept(database, application)
    undone = database.transaction()  # rolled back at the end: other tests' rows stay as they were
    await undone.start()
    try:
        # A new version alone (no shown column) leaves the item as it was.
        await database.execute(
            "UPDATE grants.applications SET version = version + 1 WHERE application_id = $1", application
        )
        assert await _assert_kept(database, application) == before
        # The application's own columns, by a statement that bypasses the use cases.
        await database.execute(
            "UPDATE grants.applications SET title = 'Retitrée', qpv_codes = ARRAY['QN06201M']"
            " WHERE application_id = $1",
            application,
        )
        item = await _assert_kept(database, application)
        assert (item["title"], item["qpvCodes"]) == ("Retitrée", ["QN06201M"])
        # Its operator renamed, its objective recoded, its call's scheme changed.
        await database.execute(
            "UPDATE grants.operators SET nom = 'Renommée', profile = 'public_body' WHERE operator_id = $1",
            uuid.UUID(year.operator_id),
        )
        await database.execute(
            "UPDATE grants.objectives SET code = 'ZZ-1', pillar = $2 WHERE objective_id = $1",
            uuid.UUID(year.objective_id),
            EMPLOI,
        )
        await database.execute(
            "UPDATE grants.calls_for_projects SET scheme = 'solidarite_communautaire' WHERE call_id = $1",
            uuid.UUID(year.call_id),
        )
        item = await _assert_kept(database, application)
        assert (item["operatorNom"], item["operatorProfile"]) == ("Renommée", "public_body")
        assert (item["objectiveCode"], item["pillar"], item["scheme"]) == ("ZZ-1", EMPLOI, "solidarite_communautaire")
        # An amount of a line (its kept financers change, then its item).
        await database.execute(
            "UPDATE grants.financing_lines SET proposed_cents = 123456 WHERE application_id = $1", application
        )
        assert {line["proposed"] for line in _financers(await _assert_kept(database, application))} == {"1234.56"}
        # Its kept array removed (a truncation of the lines removes them all): no financer.
        await database.execute("DELETE FROM grants.application_financers WHERE application_id = $1", application)
        assert (await _assert_kept(database, application))["financers"] == []
        await database.execute(
            "UPDATE grants.financing_lines SET proposed_cents = 654321 WHERE application_id = $1", application
        )
        assert {line["proposed"] for line in _financers(await _assert_kept(database, application))} == {"6543.21"}
        # Lines deleted: no financer.
        await database.execute("DELETE FROM grants.financing_lines WHERE application_id = $1", application)
        assert (await _assert_kept(database, application))["financers"] == []
        # An application added by a statement (as a COPY or an import would): its item is there.
        added = uuid.uuid4()
        await database.execute(
            "INSERT INTO grants.applications SELECT (jsonb_populate_record(application, jsonb_build_object("
            "'application_id', $2::uuid, 'year', application.year + 1, 'title', 'Importée'))).*"
            " FROM grants.applications AS application WHERE application_id = $1",
            application,
            added,
        )
        assert (await _assert_kept(database, added))["title"] == "Importée"
        # Deleted with its application.
        await database.execute("DELETE FROM grants.applications WHERE application_id = $1", added)
        assert await database.fetchval(KEPT, added) is None
    finally:
        await undone.rollback()
    assert await _assert_kept(database, application) == before


async def test_an_item_not_kept_is_built_from_its_rows(
    gateway: httpx.AsyncClient, database: asyncpg.Connection, year: Year
) -> None:
    """A writer that disabled the triggers (a restore with session_replication_role = replica) leaves no
    item, or an item left empty: the page builds it as it did before the items were kept."""
    application = uuid.UUID((await notified(gateway, year))["id"])
    kept = await database.fetchval(KEPT, application)
    await database.execute("DELETE FROM grants.programmation_items WHERE application_id = $1", application)
    try:
        assert await _page(gateway, year, year=2025) == [json.loads(kept)]
        await database.execute(
            "INSERT INTO grants.programmation_items (application_id, item) VALUES ($1, '')", application
        )
        assert await _page(gateway, year, year=2025) == [json.loads(kept)]  # an item left empty: the same
    finally:
        await database.execute(
            "INSERT INTO grants.programmation_items (application_id, item) VALUES ($1, $2)"
            " ON CONFLICT (application_id) DO UPDATE SET item = EXCLUDED.item",
            application,
            kept,
        )


async def test_an_application_changed_beside_its_operator_renamed_keeps_both(
    gateway: httpx.AsyncClient, stack: RunningStack, database: asyncpg.Connection, year: Year
) -> None:
    """The second writer waits for the first's item, then writes its own from both their changes."""
    application = uuid.UUID((await notified(gateway, year))["id"])
    async with two_writers(stack) as (first, second):
        first_transaction = first.transaction()
        await first_transaction.start()
        await first.execute("UPDATE grants.applications SET title = 'Pendant' WHERE application_id = $1", application)
        renaming = asyncio.create_task(
            second.execute(
                "UPDATE grants.operators SET nom = 'Renommée pendant' WHERE operator_id = $1",
                uuid.UUID(year.operator_id),
            )
        )
        await second_waits_for_first(database, first_transaction, renaming)
        item = await _assert_kept(database, application)
        assert (item["title"], item["operatorNom"]) == ("Pendant", "Renommée pendant")
