"""Where the local stack keeps its files, whether its supervisor runs, and what it last wrote about the
processes it runs (.data/state.json: ports, pids, restarts)."""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_VARIABLE = "CDQ_DATA_DIR"


@dataclass(frozen=True)
class StackFiles:
    """The files of one local stack, all in one data directory (`.data`, or `$CDQ_DATA_DIR`)."""

    data_dir: Path

    @classmethod
    def current(cls) -> StackFiles:
        configured = os.environ.get(DATA_DIR_VARIABLE)
        return cls((ROOT / configured).resolve() if configured else ROOT / ".data")

    @property
    def secrets(self) -> Path:
        return self.data_dir / "secrets.json"

    @property
    def state(self) -> Path:
        return self.data_dir / "state.json"

    @property
    def cluster_root(self) -> Path:
        return self.data_dir / "pg"

    @property
    def lock(self) -> Path:
        return self.data_dir / "supervisor.lock"

    def read_state(self) -> dict[str, Any] | None:
        try:
            state: dict[str, Any] = json.loads(self.state.read_text())
        except (OSError, ValueError):
            return None
        return state

    def write_state(self, state: dict[str, Any]) -> None:
        """Replaced whole (written aside, then renamed): a reader never sees half of it."""
        partial = self.state.with_name(self.state.name + ".partial")
        partial.write_text(json.dumps(state, indent=2))
        partial.replace(self.state)


class SupervisorLock:
    """An exclusive lock on `<data dir>/supervisor.lock`, held while a supervisor runs. The kernel releases
    it when the process ends, however it ends: a lock that can be taken means no supervisor runs."""

    def __init__(self, files: StackFiles) -> None:
        self.path = files.lock
        self._descriptor: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


def supervisor_running(files: StackFiles) -> bool:
    """Whether a supervisor holds the data directory's lock (taken and given back at once if not)."""
    probe = SupervisorLock(files)
    if not files.lock.exists():
        return False
    if probe.acquire():
        probe.release()
        return False
    return True
