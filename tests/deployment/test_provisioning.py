"""`./dev up` on a data directory left by an earlier version: the secrets file gains the owners' passwords
and provisioning moves every object from the runtime roles to the owner roles, data kept."""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from cli.embedded_postgres import EmbeddedPostgres
from cli.provisioning import APPS, DATABASE, migrate, provision_sync
from cli.stack import StackSecrets
from tests.schema_privileges import make_it_old, model_violations, schema_privileges


@pytest.fixture(scope="module")
def cluster() -> Iterator[EmbeddedPostgres]:
    parent = Path(tempfile.mkdtemp(prefix="cdq-provisioning-pg-"))
    parent.chmod(0o711)
    running = EmbeddedPostgres(root=parent / "pg", superuser_password=secrets.token_urlsafe(16), durable=False)
    running.start()
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(parent, ignore_errors=True)


def test_an_older_secrets_file_gains_the_owners_passwords_and_keeps_the_rest(tmp_path: Path) -> None:
    current = asdict(StackSecrets.generate())
    older = {name: value for name, value in current.items() if name != "owner_passwords"}
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(older))
    upgraded = StackSecrets.load_or_create(path)
    assert {name: value for name, value in asdict(upgraded).items() if name != "owner_passwords"} == older
    assert set(upgraded.owner_passwords) == set(APPS)
    assert set(upgraded.owner_passwords.values()).isdisjoint(upgraded.role_passwords.values())
    assert json.loads(path.read_text()) == asdict(upgraded)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert StackSecrets.load_or_create(path) == upgraded


async def _privileges(admin_dsn: str) -> dict[str, dict[str, Any]]:
    connection = await asyncpg.connect(admin_dsn)
    try:
        return {app: await schema_privileges(connection, app) for app in APPS}
    finally:
        await connection.close()


async def _audit_subjects(url: str, app: str) -> list[str]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(f"SELECT actor_subject FROM {app}.audit_events ORDER BY 1")  # noqa: S608
    finally:
        await connection.close()
    return [row["actor_subject"] for row in rows]


async def _add_audit_row(url: str, app: str) -> None:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await connection.execute(
            f"INSERT INTO {app}.audit_events (actor_subject, actor_kind, action, entity_type, entity_id)"  # noqa: S608
            " VALUES ('before-the-upgrade', 'user', 'probe.added', 'probe', 'p-1')"
        )
    finally:
        await connection.close()


def test_provisioning_again_moves_an_older_clusters_objects_to_the_owner_roles(
    cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    stack_secrets = StackSecrets.generate()
    admin = cluster.url("postgres", cluster.superuser_password, "postgres", driver="postgresql")
    admin_database = cluster.url("postgres", cluster.superuser_password, DATABASE, driver="postgresql")
    provision_sync(admin, DATABASE, stack_secrets.role_passwords, stack_secrets.owner_passwords)
    for app in APPS:
        migrate(app, stack_secrets.owner_url(app, "127.0.0.1", cluster.port))
    expected = asyncio.run(_privileges(admin_database))
    runtime_urls = {app: stack_secrets.runtime_url(app, "127.0.0.1", cluster.port) for app in APPS}
    for app in APPS:
        asyncio.run(_add_audit_row(runtime_urls[app], app))

    asyncio.run(make_it_old(admin_database))
    older = {name: value for name, value in asdict(stack_secrets).items() if name != "owner_passwords"}
    (tmp_path / "secrets.json").write_text(json.dumps(older))
    with pytest.raises(RuntimeError, match="provisioned before the owner roles"):
        migrate("grants", runtime_urls["grants"])

    upgraded = StackSecrets.load_or_create(tmp_path / "secrets.json")
    provision_sync(admin, DATABASE, upgraded.role_passwords, upgraded.owner_passwords)
    found = asyncio.run(_privileges(admin_database))
    assert {app: model_violations(found[app], app) for app in APPS} == {app: [] for app in APPS}
    assert found == expected
    for app in APPS:
        assert asyncio.run(_audit_subjects(runtime_urls[app], app)) == ["before-the-upgrade"]
        migrate(app, upgraded.owner_url(app, "127.0.0.1", cluster.port))
    with pytest.raises(RuntimeError, match="migrate grants as the schema's owner grants_owner, not as grants"):
        migrate("grants", runtime_urls["grants"])
    assert asyncio.run(_privileges(admin_database)) == expected
