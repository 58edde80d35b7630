"""Before `./dev up` starts: a lock file naming a live process that is not the cluster's postmaster is
removed (PostgreSQL itself would refuse to start), and a port held by a program that is not part of the
stack is named, never stopped."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.embedded_postgres import UNPRIVILEGED_GID, UNPRIVILEGED_UID, EmbeddedPostgres, EmbeddedPostgresError, free_port
from cli.leftovers import PortTakenError, clear_leftovers
from cli.processes import command_line
from cli.stack_state import StackFiles
from tests.cli.local_stack import eventually


def _stranger() -> subprocess.Popen[bytes]:
    """A live process of the cluster's own user (as root, `nobody`): PostgreSQL cannot tell it from a
    postmaster still running, since it may signal it."""
    command = ["sleep", "120"]
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={UNPRIVILEGED_UID}", f"--regid={UNPRIVILEGED_GID}", "--clear-groups", *command]
    return subprocess.Popen(command)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's tmp_path, whose parents are 0700: as root the cluster runs as `nobody`."""
    parent = Path(tempfile.mkdtemp(prefix="cdq-leftovers-"))
    parent.chmod(0o711)
    yield parent / "data"
    shutil.rmtree(parent, ignore_errors=True)


def test_a_lock_file_naming_a_live_stranger_is_removed_and_the_stranger_left_alone(data_dir: Path) -> None:
    files = StackFiles(data_dir)
    cluster = EmbeddedPostgres(root=files.cluster_root, superuser_password=secrets.token_urlsafe(16), durable=False)
    cluster.start()
    postmaster = cluster.lock_file_pid()
    lock = cluster.lock_file.read_text()
    cluster.stop()
    stranger = _stranger()
    eventually(lambda: command_line(stranger.pid)[:1] == ["sleep"], 10, "sleep to run")
    try:
        # What a machine restarted after a crash may show: the old pid now belongs to another program.
        cluster.lock_file.write_text(lock.replace(f"{postmaster}\n", f"{stranger.pid}\n", 1))
        with pytest.raises(EmbeddedPostgresError):
            cluster.start()
        assert 'lock file "postmaster.pid" already exists' in cluster.log_file.read_text()
        said: list[str] = []
        clear_leftovers(files, cluster, [], said.append)
        assert said == [
            f"removed a stale {cluster.lock_file} (its pid {stranger.pid} is now sleep, not a postmaster of this"
            " cluster)"
        ]
        assert stranger.poll() is None
        cluster.start()
        cluster.stop()
    finally:
        stranger.kill()
        stranger.wait(timeout=10)


def test_a_port_held_by_another_program_is_named_and_not_stopped(tmp_path: Path) -> None:
    files = StackFiles(tmp_path / "data")
    cluster = EmbeddedPostgres(root=files.cluster_root, superuser_password="unused")
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        said: list[str] = []
        # Named by its command line: this test's own process (pytest, or an xdist worker of it).
        command = re.escape(Path("/proc/self/cmdline").read_bytes().split(b"\0")[0].decode())
        with pytest.raises(PortTakenError, match=f"port {port} is taken by pid {os.getpid()} \\({command}"):
            clear_leftovers(files, cluster, [port], said.append)
        assert said == []
