"""Each body's and each meeting's item of its list, kept by its row's trigger (migration part0015): always
the JSON its row gives, whatever writes the row, and what the list answers; built from the row when the row
keeps none."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from identity.principal import Role
from tests.participation.bodies import API, new_body
from tests.running_stack import RunningStack

# What the lists built from each row on every read before the items were kept (their statements until
# part0015), written here again as the reference.
BUILT = {
    "bodies": """
SELECT item, CAST(json_build_object('id', body_id, 'contractCode', contract_code, 'name', name, 'kind', kind,
    'participationLevel', participation_level, 'qpvCodes', qpv_codes, 'communeCodes', commune_codes,
    'status', status, 'recognitionAct', recognition_act, 'establishedOn', established_on,
    'dissolvedOn', dissolved_on, 'version', version) AS TEXT)
FROM participation.bodies WHERE body_id = $1
""",
    "meetings": """
SELECT item, CAST(json_build_object('id', meeting_id, 'bodyId', body_id, 'title', title,
    'meetingDay', meeting_day, 'place', place, 'convenedOn', convened_on, 'agenda', agenda) AS TEXT)
FROM participation.meetings WHERE meeting_id = $1
""",
}


@pytest.fixture
async def database(stack: RunningStack) -> AsyncIterator[asyncpg.Connection]:
    """The service's own runtime role: what the app and its imports write as."""
    async with stack.runtime_connection("participation") as connection:
        yield connection


async def _kept(database: asyncpg.Connection, table: str, row_id: str) -> dict[str, object]:
    kept, built = await database.fetchrow(BUILT[table], uuid.UUID(row_id))
    assert kept is not None, "no item kept"
    assert kept == built
    item: dict[str, object] = json.loads(kept)
    return item


async def _listed(
    gateway: httpx.AsyncClient, pilot: dict[str, str], path: str, row_id: str, **filters: str
) -> dict[str, object]:
    """The row's item as its list answers it, computed (not a remembered answer)."""
    answer = await gateway.get(path, params={"limit": 50, **filters}, headers={**pilot, "Cache-Control": "no-cache"})
    assert answer.status_code == 200, answer.text
    item: dict[str, object] = next(item for item in answer.json()["items"] if item["id"] == row_id)
    return item


async def _meeting(gateway: httpx.AsyncClient, pilot: dict[str, str], body_id: str) -> str:
    convened = await gateway.post(
        f"{API}/bodies/{body_id}/meetings",
        json={
            "title": "Séance plénière",
            "meetingDay": "2025-04-10",
            "convenedOn": "2025-04-01",
            "place": "Centre social",
            "agenda": ["Avis sur le rapport annuel"],
        },
        headers=pilot,
    )
    assert convened.status_code == 201, convened.text
    return str(convened.json()["id"])


async def test_a_bodys_item_is_kept_through_its_changes_and_is_what_its_list_answers(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, database: asyncpg.Connection
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    listed = f"{API}/bodies"
    assert await _listed(gateway, pilot, listed, body_id, contractCode=new_contract) == await _kept(
        database, "bodies", body_id
    )
    read = await gateway.get(f"{API}/bodies/{body_id}", headers=pilot)
    changed = await gateway.patch(
        f"{API}/bodies/{body_id}",
        json={"name": "Conseil citoyen du centre", "recognitionAct": "Arrêté préfectoral n° 12"},
        headers={**pilot, "If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    item = await _kept(database, "bodies", body_id)
    assert (item["name"], item["recognitionAct"], item["version"]) == (
        "Conseil citoyen du centre",
        "Arrêté préfectoral n° 12",
        changed.json()["version"],
    )
    assert await _listed(gateway, pilot, listed, body_id, contractCode=new_contract) == item


@dataclass(frozen=True)
class Written:
    """A contract's body and its meeting, created through the API, and the contract's pilot."""

    contract: str
    pilot: dict[str, str]
    body_id: str
    meeting_id: str


@pytest.fixture
async def written(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Written:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    return Written(new_contract, pilot, body_id, await _meeting(gateway, pilot, body_id))


async def test_every_writer_of_a_row_keeps_its_item(
    gateway: httpx.AsyncClient, database: asyncpg.Connection, written: Written
) -> None:
    body_id, meeting_id = written.body_id, written.meeting_id
    await _kept(database, "meetings", meeting_id)
    # Statements by hand, as an import or an operator's fix would write them, beside the use cases.
    await database.execute(
        "UPDATE participation.bodies SET qpv_codes = '{QN06261M,QN06262M}', dissolved_on = '2026-01-31'"
        " WHERE body_id = $1",
        uuid.UUID(body_id),
    )
    assert (await _kept(database, "bodies", body_id))["dissolvedOn"] == "2026-01-31"
    await database.execute(
        "UPDATE participation.meetings SET place = NULL, agenda = '{Budget}' WHERE meeting_id = $1",
        uuid.UUID(meeting_id),
    )
    assert (await _kept(database, "meetings", meeting_id))["agenda"] == ["Budget"]
    inserted = uuid.uuid4()
    await database.execute(
        "INSERT INTO participation.bodies (body_id, contract_code, name, kind, participation_level, qpv_codes,"
        " version) VALUES ($1, $2, 'Table de quartier', 'table_de_quartier', 'information', '{}', 1)",
        inserted,
        written.contract,
    )
    assert (await _kept(database, "bodies", str(inserted)))["name"] == "Table de quartier"
    listed = await _listed(gateway, written.pilot, f"{API}/bodies", str(inserted), contractCode=written.contract)
    assert listed["status"] == "active"


async def test_a_row_keeping_no_item_is_listed_from_its_columns(
    stack: RunningStack, gateway: httpx.AsyncClient, database: asyncpg.Connection, written: Written
) -> None:
    body_id, meeting_id = written.body_id, written.meeting_id
    expected = {
        "bodies": await _kept(database, "bodies", body_id),
        "meetings": await _kept(database, "meetings", meeting_id),
    }
    # A writer with the triggers off (a restore, a bulk load): rows without their item, for this session only.
    admin = await asyncpg.connect(stack.admin_dsn())
    try:
        await admin.execute("SET session_replication_role = replica")
        await admin.execute("UPDATE participation.bodies SET item = NULL WHERE body_id = $1", uuid.UUID(body_id))
        await admin.execute(
            "UPDATE participation.meetings SET item = NULL WHERE meeting_id = $1", uuid.UUID(meeting_id)
        )
    finally:
        await admin.close()
    for table, row_id in (("bodies", body_id), ("meetings", meeting_id)):
        kept, _ = await database.fetchrow(BUILT[table], uuid.UUID(row_id))
        assert kept is None
    assert (
        await _listed(gateway, written.pilot, f"{API}/bodies", body_id, contractCode=written.contract)
        == expected["bodies"]
    )
    assert await _listed(gateway, written.pilot, f"{API}/bodies/{body_id}/meetings", meeting_id) == expected["meetings"]
