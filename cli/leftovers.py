"""What a previous `./dev up` may have left behind, found and stopped before the next one starts: its apps
(an older supervisor killed without parent-death signals, or an app that ignored its signal), a PostgreSQL
still running on the data directory with nobody supervising it, a lock file naming a dead postmaster, apps
of this stack holding the ports. Everything else holding a port is left alone and named."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterable

from cli.embedded_postgres import EmbeddedPostgres
from cli.processes import (
    ProcessIdentity,
    command_line,
    environment_value,
    listening_pids,
    pids_running_in,
    stop_process,
)
from cli.stack_state import DATA_DIR_VARIABLE, StackFiles

# An app has 5 s to finish its requests on SIGTERM (cli/stack.py); a postmaster, its fast shutdown.
APP_GRACE_SECONDS = 10.0
POSTGRES_GRACE_SECONDS = 30.0


class PortTakenError(RuntimeError):
    pass


def clear_leftovers(
    files: StackFiles, cluster: EmbeddedPostgres, ports: Iterable[int], say: Callable[[str], None]
) -> None:
    """Run with the supervisor lock held (no other supervisor runs on this data directory)."""
    state = files.read_state()
    if state is not None:
        pid = (state.get("supervisor") or {}).get("pid", "?")
        say(f"the previous run (supervisor pid {pid}) ended without stopping its stack: cleaning up")
    for name, entry in ((state or {}).get("services") or {}).items():
        if not entry.get("pid") or entry.get("start_ticks") is None:
            continue
        identity = ProcessIdentity(int(entry["pid"]), int(entry["start_ticks"]))
        if identity.alive():
            postgres = name == "postgres"
            say(f"stopping {name} (pid {identity.pid}), left running by a previous run")
            stop_process(
                identity,
                signal.SIGINT if postgres else signal.SIGTERM,
                POSTGRES_GRACE_SECONDS if postgres else APP_GRACE_SECONDS,
            )
    files.state.unlink(missing_ok=True)
    _clear_cluster(cluster, say)
    for port in ports:
        _free_port(port, files, say)


def _clear_cluster(cluster: EmbeddedPostgres, say: Callable[[str], None]) -> None:
    if not cluster.data_dir.is_dir():
        return
    # A postmaster and its backends run in their data directory: this finds them whatever the lock says.
    inside = pids_running_in(cluster.data_dir)
    postmaster = cluster.lock_file_pid()
    if postmaster in inside:
        identity = ProcessIdentity.of(postmaster)
        if identity is not None:
            say(f"stopping PostgreSQL (pid {postmaster}), left running on {cluster.data_dir} by a previous run")
            stop_process(identity, signal.SIGINT, POSTGRES_GRACE_SECONDS)
        inside = pids_running_in(cluster.data_dir)
    for pid in inside:
        identity = ProcessIdentity.of(pid)
        if identity is not None:
            say(f"stopping pid {pid} ({' '.join(command_line(pid))[:80]}), left in {cluster.data_dir}")
            stop_process(identity, signal.SIGQUIT, 5.0)
    if cluster.lock_file.exists():
        # Left by a postmaster that did not stop cleanly. PostgreSQL itself refuses to start while the pid
        # it names is alive, even when that pid now belongs to an unrelated process.
        stale = cluster.lock_file_pid()
        holder = command_line(stale) if stale is not None else []
        if stale is None:
            why = "unreadable"
        elif holder:
            why = f"its pid {stale} is now {holder[0]}, not a postmaster of this cluster"
        else:
            why = f"its pid {stale} is gone"
        cluster.lock_file.unlink()
        say(f"removed a stale {cluster.lock_file} ({why})")


def _free_port(port: int, files: StackFiles, say: Callable[[str], None]) -> None:
    for pid in sorted(listening_pids(port)):
        command = " ".join(command_line(pid))
        # uvicorn's manager, or one of its workers (started by multiprocessing) left alone by a killed manager.
        served = "uvicorn" in command or "multiprocessing" in command
        ours = environment_value(pid, DATA_DIR_VARIABLE) == str(files.data_dir) and served
        identity = ProcessIdentity.of(pid)
        if not ours or identity is None:
            raise PortTakenError(
                f"port {port} is taken by pid {pid} ({command[:100] or 'unknown'}), which is not part of this"
                " stack: stop it or choose another --port-base"
            )
        say(f"stopping pid {pid} ({command[:80]}), left on port {port} by a previous run")
        stop_process(identity, signal.SIGTERM, APP_GRACE_SECONDS)
    if not port_is_free(port):
        raise PortTakenError(f"port {port} is taken (by a process we cannot see): choose another --port-base")


def port_is_free(port: int) -> bool:
    """Whether uvicorn could listen on it (it sets SO_REUSEADDR too: closing connections do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
