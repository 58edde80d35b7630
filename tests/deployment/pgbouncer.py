"""A real PgBouncer (the Debian package's, installed by `./dev test`) in transaction mode in front of the
test cluster: one database entry per app, as deploy/kubernetes/base/pgbouncer.yaml declares them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cli.embedded_postgres import UNPRIVILEGED_GID, UNPRIVILEGED_UID, free_port
from cli.provisioning import DATABASE

BINARY_PATHS = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or next((path for path in BINARY_PATHS if Path(path).exists()), None)
    if found is None:
        raise RuntimeError("pgbouncer is not installed: `./dev test` installs it (apt-get install pgbouncer)")
    return found


@dataclass
class PgBouncer:
    port: int
    directory: Path
    process: subprocess.Popen[bytes]

    def url(self, role: str, password: str, entry: str) -> str:
        return f"postgresql+asyncpg://{role}:{password}@127.0.0.1:{self.port}/{entry}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start_pgbouncer(
    postgres_port: int, entries: dict[str, str], passwords: dict[str, str], pool_size: int = 10
) -> PgBouncer:
    """PgBouncer on a free loopback port: `entries` maps each database entry to its `connect_query` (the
    session settings an app sends at connection time when it connects directly), `passwords` the roles
    it lets in (SCRAM both ways)."""
    directory = Path(tempfile.mkdtemp(prefix="cdq-pgbouncer-"))
    directory.chmod(0o755)  # as root PgBouncer runs as `nobody`, which reads its files here
    port = free_port()
    databases = "\n".join(
        f"{entry} = host=127.0.0.1 port={postgres_port} dbname={DATABASE} connect_query='{query}'"
        for entry, query in entries.items()
    )
    (directory / "userlist.txt").write_text("".join(f'"{role}" "{password}"\n' for role, password in passwords.items()))
    (directory / "pgbouncer.ini").write_text(
        f"""[databases]
{databases}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
"""
    )
    for path in directory.iterdir():
        path.chmod(0o644)
    command = [pgbouncer_binary(), str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        os.chown(directory, UNPRIVILEGED_UID, UNPRIVILEGED_GID)
        command = ["setpriv", f"--reuid={UNPRIVILEGED_UID}", f"--regid={UNPRIVILEGED_GID}", "--clear-groups", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bouncer = PgBouncer(port, directory, process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (directory / "pgbouncer.log").read_text() if (directory / "pgbouncer.log").exists() else ""
            raise RuntimeError(f"pgbouncer exited with {process.returncode}: {log[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return bouncer
        time.sleep(0.1)
    bouncer.stop()
    raise RuntimeError("pgbouncer did not listen")
