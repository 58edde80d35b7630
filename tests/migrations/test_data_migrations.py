"""Migrations that rewrite data, run on rows as an earlier version wrote them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import httpx
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.grants.playbook import API, decide_line, draft, move, notified, open_year, send
from tests.grants.test_financers_decide import instructed
from tests.running_stack import RunningStack

VERSIONS = Path(__file__).resolve().parents[2] / "migrations"


def migration(app: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, VERSIONS / app / "versions" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_expected_beneficiaries_written_in_the_wires_names_are_renamed_to_the_domains(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    year = await open_year(stack, gateway, new_contract)
    application = await draft(gateway, year)
    renaming = migration("grants", "2026-12-05_beneficiaries_in_domain_names")
    engine = create_async_engine(stack.owner_url("grants"))
    try:
        async with engine.begin() as connection:
            # As the applications' route kept them before gran0017: in camelCase.
            await connection.execute(
                text("UPDATE grants.applications SET beneficiaries = CAST(:kept AS jsonb) WHERE application_id = :id"),
                {
                    "id": application["id"],
                    "kept": '{"total": 120, "women": 70, "men": 50, "ageBands": {"6-11": 40}, "shareInQpvPercent": 80}',
                },
            )

            def upgrade(sync_connection: Connection) -> None:
                with Operations.context(MigrationContext.configure(sync_connection)):
                    renaming.upgrade()

            await connection.run_sync(upgrade)
            kept = (
                await connection.execute(
                    text("SELECT beneficiaries FROM grants.applications WHERE application_id = :id"),
                    {"id": application["id"]},
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert kept == {"total": 120, "women": 70, "men": 50, "age_bands": {"6-11": 40}, "share_in_qpv_percent": 80}
    read = await gateway.get(f"{API}/applications/{application['id']}", headers=year.operator)
    assert read.json()["beneficiaries"] == {
        "total": 120,
        "women": 70,
        "men": 50,
        "ageBands": {"6-11": 40},
        "shareInQpvPercent": 80,
    }


async def test_decisions_a_comite_took_for_the_financers_become_their_proposals(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """As gran0023 finds them: a frozen scenario's applications decided by the comité, a reserved line
    granted with them; a notified application without its letter's date."""
    year = await open_year(stack, gateway, new_contract)
    application = await instructed(gateway, year, "Ateliers de quartier", etat_p147="6000", cua="3000", caf_62="2000")
    assert (await move(gateway, application, year.pilot, "propose")).status_code == 200
    created = await gateway.post(
        f"{API}/scenarios", json={"callId": year.call_id, "name": "Comité"}, headers=year.pilot
    )
    scenario = f"{API}/scenarios/{created.json()['id']}"
    frozen = await send(
        gateway, "POST", f"{scenario}/freeze", year.pilot, {"heldOn": "2025-01-20", "coChairs": ["etat-p147", "cua"]}
    )
    assert frozen.status_code == 200, frozen.text
    committee = frozen.json()["committee"]["id"]
    earlier = (await notified(gateway, year, title="Chantiers jeunes", dauphinNumber="DA20250002-1"))["id"]
    data = migration("grants", "2026-12-06_financers_decide_data")
    engine = create_async_engine(stack.owner_url("grants"))
    try:
        async with engine.begin() as connection:
            # What the freeze wrote before gran0022: every line decided by the comité, no proposal recorded.
            await connection.execute(
                text(
                    "UPDATE grants.financing_lines SET committee_id = NULL, proposed_cents = NULL,"
                    " decided_cents = requested_cents, decision = 'granted' WHERE application_id = :id"
                ),
                {"id": application},
            )
            await connection.execute(
                text(
                    "UPDATE grants.applications SET state = 'decided', outcome = 'granted' WHERE application_id = :id"
                ),
                {"id": application},
            )
            await connection.execute(
                text(
                    "INSERT INTO grants.application_events (event_id, application_id, at, actor, transition,"
                    " from_state, to_state, reason) VALUES (gen_random_uuid(), :id, now(), 'pilot', 'decide',"
                    " 'proposed', 'decided', 'comité des financeurs du 2025-01-20')"
                ),
                {"id": application},
            )
            await connection.execute(
                text("UPDATE grants.applications SET notified_on = NULL WHERE application_id = :id"), {"id": earlier}
            )

            def upgrade(sync_connection: Connection) -> None:
                with Operations.context(MigrationContext.configure(sync_connection)):
                    data.upgrade()
                    data.upgrade()  # re-runnable: the second run finds nothing more to do

            await connection.run_sync(upgrade)
    finally:
        await engine.dispose()
    read = (await gateway.get(f"{API}/applications/{application}", headers=year.pilot)).json()
    assert (read["state"], read["outcome"]) == ("proposed", None), "the CAF had not decided"
    lines = {line["institutionCode"]: line for line in read["financingLines"]}
    assert {code: (line["proposed"], line["committeeId"], line["decision"]) for code, line in lines.items()} == {
        "etat-p147": ("6000.00", committee, "granted"),
        "cua": ("3000.00", committee, "granted"),
        "caf-62": ("2000.00", committee, None),
    }
    assert lines["etat-p147"]["actKind"] is None, "an act nobody recorded is not invented"
    assert [(event["transition"], event["actor"]) for event in read["events"][-1:]] == [
        ("reopen", "migration gran0023")
    ]
    decided = await decide_line(gateway, year, application, "caf-62", "2000")
    assert (decided.status_code, decided.json()["state"]) == (200, "decided")
    letter = (await gateway.get(f"{API}/applications/{earlier}", headers=year.pilot)).json()
    assert (
        letter["notifiedOn"] == next(event["at"] for event in letter["events"] if event["transition"] == "notify")[:10]
    )


async def test_applications_that_served_no_qpv_leave_the_cap_until_they_name_a_zone(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """As gran0026 finds them: `hors_qpv` meant "serves no QPV"; it now means "serves a vulnerability zone and
    no QPV". No row named a zone before, so none stays counted under the 2.5 % cap."""
    year = await open_year(stack, gateway, new_contract)
    no_qpv = (await draft(gateway, year, qpvCodes=[], title="Poche de pauvreté"))["id"]
    in_qpv = (await draft(gateway, year, title="Ateliers de quartier"))["id"]
    named = (await draft(gateway, year, qpvCodes=[], title="Zone nommée"))["id"]
    where_served = migration("grants", "2026-12-06_where_served")
    engine = create_async_engine(stack.owner_url("grants"))
    try:
        async with engine.begin() as connection:
            # What drafting wrote before gran0026: every application serving no QPV flagged.
            await connection.execute(
                text("UPDATE grants.applications SET hors_qpv = (cardinality(qpv_codes) = 0) WHERE contract_code = :c"),
                {"c": new_contract},
            )
            # A zone named since (by SQL here: the route would have flagged it already).
            await connection.execute(
                text("UPDATE grants.applications SET served_vulnerability_zones = '{ZV-1}' WHERE application_id = :id"),
                {"id": named},
            )

            def upgrade(sync_connection: Connection) -> None:
                with Operations.context(MigrationContext.configure(sync_connection)):
                    where_served.reclassify()
                    where_served.reclassify()  # re-runnable: the second run changes nothing

            await connection.run_sync(upgrade)
    finally:
        await engine.dispose()
    counted = {
        key: (await gateway.get(f"{API}/applications/{key}", headers=year.pilot)).json()
        for key in (no_qpv, in_qpv, named)
    }
    assert {key: (item["horsQpv"], item["countedInVulnerabilityCap"]) for key, item in counted.items()} == {
        no_qpv: (True, False),
        in_qpv: (False, False),
        named: (True, True),
    }
