"""`python -m cli up` run as a user runs it, in a data directory of its own, and the project's commands
run beside it."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.leftovers import port_is_free
from cli.processes import ProcessIdentity

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Ctrl-C stops everything."
UVICORN_LINE = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL):\s{2,}")


def eventually(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:g} s: {what}")
        time.sleep(0.2)


def free_port_base(count: int = 4) -> int:
    """A port after which `count - 1` more are free too (the gateway's, then one per service), below the
    ephemeral range: the apps bind tens of seconds after the choice (PostgreSQL, migrations and imports come
    first), and by then any process's outgoing connection may hold an ephemeral port as its own end."""
    lowest_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(100):
        base = 10_000 + secrets.randbelow(lowest_ephemeral - count - 10_000)
        if all(port_is_free(base + offset) for offset in range(count)):
            return base
    raise RuntimeError("no run of free ports")


class LocalStack:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port_base = free_port_base()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / "up.log"
        self.seen: set[ProcessIdentity] = set()

    @property
    def env(self) -> dict[str, str]:
        # No database URL of the caller's: the commands must find the running stack by themselves.
        inherited = {name: value for name, value in os.environ.items() if "DATABASE_URL" not in name}
        return {**inherited, "PYTHONPATH": str(ROOT), "CDQ_DATA_DIR": str(self.data_dir)}

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.port_base}"

    def output(self) -> str:
        """What the supervisor said (the apps' JSON log lines left out, and the plain lines of the uvicorn
        manager of an app served by several workers: `INFO:     Started parent process [pid]`)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(
            line for line in text.splitlines() if not line.startswith("{") and not UVICORN_LINE.match(line)
        )

    def start(self, timeout: float = 240) -> None:
        self.log.unlink(missing_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", "up", "--port-base", str(self.port_base)],
                cwd=ROOT,
                # One app served by two workers (its <APP>_WORKERS setting): killed, restarted, stopped alike.
                env={**self.env, "GRANTS_WORKERS": "2"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = self.process
        eventually(lambda: READY_LINE in self.output() or process.poll() is not None, timeout, "`cli up` to start")
        assert process.poll() is None, self.log.read_text(errors="replace")[-5000:]
        self.remember()

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.data_dir / "state.json").read_text())
        return state

    def remember(self) -> None:
        """Every process the supervisor reported, so that the teardown can make sure none survives."""
        for entry in self.state()["services"].values():
            self.seen.add(ProcessIdentity(entry["pid"], entry["start_ticks"]))

    def identities(self) -> dict[str, ProcessIdentity]:
        return {
            name: ProcessIdentity(entry["pid"], entry["start_ticks"])
            for name, entry in self.state()["services"].items()
        }

    def cli(self, *arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli", *arguments],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def stop(self, sent: signal.Signals = signal.SIGTERM, timeout: float = 90) -> int:
        """Ask the supervisor to stop; its exit code."""
        process = self.process
        assert process is not None
        process.send_signal(sent)
        return process.wait(timeout=timeout)

    def tear_down(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for identity in self.seen:
            if identity.alive():
                os.kill(identity.pid, signal.SIGKILL)
