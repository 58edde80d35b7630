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

from tests.grants.playbook import API, draft, open_year
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
