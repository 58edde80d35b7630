"""`./dev up` as a supervisor, with real processes: an app that dies comes back, the project's commands
reach the running stack, a killed supervisor takes its children and PostgreSQL with it, and the next
`up` clears what older runs left (a PostgreSQL nobody supervises, an app on the stack's port)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.embedded_postgres import EmbeddedPostgres
from cli.leftovers import port_is_free
from cli.processes import ProcessIdentity, worker_processes
from cli.stack import StackSecrets, app_environments, uvicorn_command
from tests.cli.local_stack import ROOT, LocalStack, eventually

SERVICES = ("postgres", "territories", "grants", "participation", "gateway")


def _status(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


@pytest.fixture(scope="module")
def local_stack() -> Iterator[LocalStack]:
    parent = Path(tempfile.mkdtemp(prefix="cdq-up-"))
    parent.chmod(0o711)  # run as root, the cluster runs as `nobody`, which must pass through it
    stack = LocalStack(parent / "data")
    try:
        stack.start()
        yield stack
    finally:
        stack.tear_down()
        shutil.rmtree(parent, ignore_errors=True)


def test_status_shows_the_supervisor_postgresql_and_every_app(local_stack: LocalStack) -> None:
    local_stack.ensure_running()
    shown = local_stack.cli("status")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    state = local_stack.state()
    lines = {line.split()[0]: line for line in shown.stdout.splitlines()}
    assert f"pid {state['supervisor']['pid']}" in lines["supervisor"]
    for name in SERVICES:
        entry = state["services"][name]
        assert re.search(rf"pid {entry['pid']}\s+port {entry['port']}\s+running", lines[name]), lines[name]
        assert ("accepting connections" if name == "postgres" else "healthy") in lines[name]
        assert ("2 workers" in lines[name]) == (name == "grants"), lines[name]
        assert "restarts 0" in lines[name]
    assert f"{local_stack.gateway}/api/docs" in lines["API"]


def test_a_killed_app_is_restarted_and_the_gateway_reaches_it_again(local_stack: LocalStack) -> None:
    local_stack.ensure_running()
    killed = local_stack.identities()["grants"]
    workers = [ProcessIdentity.of(pid) for pid in worker_processes(killed.pid)]
    assert len(workers) == 2
    os.kill(killed.pid, signal.SIGKILL)  # its workers stop with it, and free the port for the next

    def restarted() -> bool:
        entry = local_stack.state()["services"]["grants"]
        return bool(entry["pid"] != killed.pid and entry["status"] == "running")

    eventually(restarted, 60, "grants restarted")
    local_stack.remember()
    eventually(lambda: _status(local_stack.gateway + "/api/grants/readyz") == 200, 30, "grants through the gateway")
    entry = local_stack.state()["services"]["grants"]
    assert (entry["restarts"], entry["last_exit"]) == (1, "signal SIGKILL")
    assert not any(worker is not None and worker.alive() for worker in workers)
    assert len(worker_processes(entry["pid"])) == 2
    assert f"grants (pid {killed.pid}) exited with signal SIGKILL; restarting it in" in local_stack.output()
    others = {name: identity for name, identity in local_stack.identities().items() if name != "grants"}
    assert all(identity.alive() for identity in others.values())


def test_the_projects_commands_find_the_running_stack(local_stack: LocalStack) -> None:
    local_stack.ensure_running()
    retention = local_stack.cli("apply-retention")
    assert retention.returncode == 0, retention.stderr
    assert retention.stdout.startswith("draws purged=")
    created = local_stack.cli(
        "clients", "create", "cdq-supervisor-test", "--name", "Test", "--role", "state", "--scope", "grants:read"
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["client_id"] == "cdq-supervisor-test"
    again = local_stack.cli(
        "clients", "create", "cdq-supervisor-test", "--name", "Test", "--role", "state", "--scope", "grants:read"
    )
    # Registered once: a second `create` says what to do in one line, no traceback, no second secret.
    assert (again.returncode, again.stdout) == (1, "")
    assert again.stderr.strip().splitlines() == [
        "client cdq-supervisor-test exists: `./dev clients rotate cdq-supervisor-test` gives it a new secret"
    ]
    listed = local_stack.cli("clients", "list")
    assert listed.returncode == 0, listed.stderr
    assert "cdq-supervisor-test" in [json.loads(line)["client_id"] for line in listed.stdout.splitlines()]
    migrated = local_stack.cli("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.splitlines() == [f"{app}: at head" for app in SERVICES[1:]]


def test_without_a_running_stack_the_commands_say_what_to_do(tmp_path: Path) -> None:
    nowhere = LocalStack(tmp_path / "data")
    retention = nowhere.cli("apply-retention")
    assert retention.returncode == 1
    assert "set PARTICIPATION_DATABASE_URL, or start the local stack with `./dev up`" in retention.stderr
    elsewhere = {**nowhere.env, "GRANTS_DATABASE_URL": "postgresql+asyncpg://grants:x@db.example.test/cdq"}
    migrated = nowhere.cli("migrate", "grants", env=elsewhere)
    assert migrated.returncode == 1
    assert "set GRANTS_MIGRATION_DATABASE_URL to the URL of grants_owner" in migrated.stderr
    status = nowhere.cli("status")
    assert (status.returncode, status.stdout.strip()) == (1, f"no stack runs from {nowhere.data_dir}")
    token = nowhere.cli("token", "--role", "contract_pilot", "--contract", "CV-ESSAI-2025")
    assert token.returncode == 1
    assert f"no stack was started from {nowhere.data_dir}" in token.stderr
    assert not (nowhere.data_dir / "secrets.json").exists()  # no keys made that no stack would accept


def _orphan_gateway(local_stack: LocalStack, cluster: EmbeddedPostgres) -> subprocess.Popen[bytes]:
    """A gateway of this stack on its port with nobody supervising it, as an older `./dev up` killed
    without parent-death signals left them (in a session of its own: not our child's group)."""
    stack_secrets = StackSecrets.load_or_create(local_stack.data_dir / "secrets.json")
    ports = {"gateway": local_stack.port_base, "territories": 1, "grants": 1, "participation": 1}
    environment = app_environments(stack_secrets, "127.0.0.1", cluster.port, ports)["gateway"]
    orphan = subprocess.Popen(
        uvicorn_command("gateway", local_stack.port_base),
        cwd=ROOT,
        env={**local_stack.env, **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    eventually(lambda: _status(local_stack.gateway + "/healthz") == 200, 60, "the orphan gateway to answer")
    return orphan


def test_a_killed_supervisor_leaves_nothing_and_the_next_up_clears_older_leftovers(local_stack: LocalStack) -> None:
    local_stack.ensure_running()
    children = local_stack.identities()
    assert local_stack.stop(signal.SIGKILL) == -signal.SIGKILL
    eventually(lambda: not any(identity.alive() for identity in children.values()), 30, "every child gone")
    assert all(port_is_free(local_stack.port_base + offset) for offset in range(4))
    stack_secrets = StackSecrets.load_or_create(local_stack.data_dir / "secrets.json")

    # What an older `./dev up` killed with SIGKILL left: PostgreSQL started by pg_ctl (a daemon, nobody's
    # child) on the data directory, and an app still holding the gateway's port.
    cluster = EmbeddedPostgres(root=local_stack.data_dir / "pg", superuser_password=stack_secrets.superuser_password)
    cluster.start()
    postmaster = ProcessIdentity.of(cluster.lock_file_pid() or 0)
    assert postmaster is not None
    orphan = _orphan_gateway(local_stack, cluster)
    try:
        local_stack.start()
        said = local_stack.output()
        assert "ended without stopping its stack: cleaning up" in said
        assert f"stopping PostgreSQL (pid {postmaster.pid}), left running on" in said
        assert f"stopping pid {orphan.pid} (" in said
        assert f"left on port {local_stack.port_base} by a previous run" in said
        assert not postmaster.alive()
        assert orphan.wait(timeout=10) is not None
        assert local_stack.cli("status").returncode == 0
        assert _status(local_stack.gateway + "/api/territories/readyz") == 200
    finally:
        if orphan.poll() is None:
            orphan.kill()
        if postmaster.alive():
            os.kill(postmaster.pid, signal.SIGKILL)


def test_sigterm_stops_every_process_and_postgresql(local_stack: LocalStack) -> None:
    local_stack.ensure_running()
    children = local_stack.identities()
    assert local_stack.stop(signal.SIGTERM) == 0
    assert not any(identity.alive() for identity in children.values())
    assert not (local_stack.data_dir / "state.json").exists()
    assert not (local_stack.data_dir / "pg" / "data" / "postmaster.pid").exists()
    assert local_stack.output().splitlines()[-2:] == ["stopping", "stopped"]
