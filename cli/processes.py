"""What the supervisor needs to know about processes on Linux: who a pid is (so that a reused pid is never
taken for ours), who listens on a port, who runs in a directory; and how to make a child die with us."""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True)
class ProcessIdentity:
    """A pid and its start time (clock ticks after boot): the pair names one process for good, while a
    pid alone may be given to another process once the first is gone."""

    pid: int
    start_ticks: int

    @classmethod
    def of(cls, pid: int) -> ProcessIdentity | None:
        ticks = start_ticks(pid)
        return None if ticks is None else cls(pid, ticks)

    def alive(self) -> bool:
        return start_ticks(self.pid) == self.start_ticks


def start_ticks(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses);
    None when there is no such process, or it is a zombie (exited, not yet reaped: no longer running).
    Without /proc (macOS), 0 for any live pid: identities are then pids alone."""
    if not PROC.is_dir():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return 0
        return 0
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def command_line(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def working_directory(pid: int) -> Path | None:
    try:
        return Path(os.readlink(PROC / str(pid) / "cwd"))
    except OSError:
        return None


def environment_value(pid: int, name: str) -> str | None:
    try:
        raw = (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    prefix = name.encode() + b"="
    for entry in raw.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode(errors="replace")
    return None


def worker_processes(pid: int) -> list[int]:
    """The worker processes a uvicorn manager `pid` started (multiprocessing's spawned children; not its
    resource tracker), from /proc."""
    try:
        listed = (PROC / str(pid) / "task" / str(pid) / "children").read_text()
    except OSError:
        return []
    return [int(child) for child in listed.split() if "spawn_main" in " ".join(command_line(int(child)))]


def all_pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()] if PROC.is_dir() else []


def pids_running_in(directory: Path) -> list[int]:
    """Processes whose working directory is `directory`: a postmaster and its backends live in their data
    directory, so this finds them even when the lock file is gone or names another pid."""
    wanted = directory.resolve()
    return sorted(pid for pid in all_pids() if pid != os.getpid() and working_directory(pid) == wanted)


def listening_pids(port: int) -> set[int]:
    """Processes holding a listening TCP socket on `port` (IPv4 or IPv6), from /proc/net and each process's
    file descriptors; processes of other users are not visible unless we are root."""
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(fields[9])
    if not inodes:
        return set()
    sockets = {f"socket:[{inode}]" for inode in inodes}
    holders: set[int] = set()
    for pid in all_pids():
        try:
            descriptors = list((PROC / str(pid) / "fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in sockets:
                    holders.add(pid)
                    break
            except OSError:
                continue
    return holders


def stop_process(identity: ProcessIdentity, first: signal.Signals, grace: float) -> bool:
    """Signal a process that is not our child (a leftover), wait up to `grace` seconds, then SIGKILL it and
    wait again; whether it is gone."""
    for sent, wait in ((first, grace), (signal.SIGKILL, 5.0)):
        if not identity.alive():
            return True
        try:
            os.kill(identity.pid, sent)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while identity.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
    return not identity.alive()


def die_with_parent(death_signal: signal.Signals) -> Callable[[], None]:
    """A `preexec_fn` asking Linux to send `death_signal` to the child when this process dies, however it
    dies (SIGKILL included): children of a killed supervisor stop instead of living on as orphans. Elsewhere
    than Linux it does nothing, and the next `./dev up` stops what is left (cli/leftovers.py)."""
    libc = _libc()  # in the parent: loading a library between fork and exec may deadlock
    parent = os.getpid()

    def set_parent_death_signal() -> None:
        if libc is not None:
            libc.prctl(PR_SET_PDEATHSIG, int(death_signal), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: no signal will ever come
            os._exit(1)

    return set_parent_death_signal


@functools.cache
def _libc() -> ctypes.CDLL | None:
    return ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"code {returncode}"
