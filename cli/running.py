"""`./dev up` and `./dev status`: the whole system on an embedded PostgreSQL, supervised (cli/supervisor.py)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from cli.data_imports import (
    import_grants_reference_data,
    import_national_qpvs,
    import_participation_demo,
    import_reference,
)
from cli.databases import say
from cli.embedded_postgres import EmbeddedPostgres, postmaster_accepts_connections
from cli.leftovers import PortTakenError, clear_leftovers
from cli.processes import ProcessIdentity, worker_processes
from cli.provisioning import APPS, DATABASE, migrate, provision_sync
from cli.stack import StackSecrets, app_environments, uvicorn_command, workers_of
from cli.stack_state import DATA_DIR_VARIABLE, ROOT, StackFiles, SupervisorLock, supervisor_running
from cli.supervisor import POSTGRES_STOP_GRACE_SECONDS, Service, StartError, Supervisor

# Loopback only: a proxy configured in the environment (http_proxy) must not see these requests.
WORKER = "worker"
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StopRequestedError(BaseException):
    """SIGINT, SIGTERM or SIGHUP while the stack starts: what is under way is abandoned (a BaseException, as
    KeyboardInterrupt, so that no `except Exception` on the way swallows it)."""


class _StopRequests:
    """SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed) ask the stack to stop. While it starts,
    the work in progress is interrupted once; afterwards the supervision loop sees the request."""

    def __init__(self) -> None:
        self.requested = False
        self.interrupting = True

    def install(self) -> None:
        for sent in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sent, self._handle)

    def _handle(self, number: int, _frame: FrameType | None) -> None:
        self.requested = True
        if self.interrupting:
            self.interrupting = False
            raise StopRequestedError(signal.Signals(number).name)

    def stopping(self) -> bool:
        return self.requested


def _answers(url: str) -> Callable[[subprocess.Popen[bytes]], bool]:
    def ready(_process: subprocess.Popen[bytes]) -> bool:
        return _healthy(url)

    return ready


def _healthy(url: str) -> bool:
    try:
        with _LOOPBACK.open(url + "/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _prepare_data_dir(files: StackFiles) -> None:
    files.data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    # As root the cluster runs as `nobody` (cli/embedded_postgres.py), which must be able to pass through
    # every directory above its own pg/: the data directory is ours to open (a temporary one is 0700),
    # the directories above it are only checked.
    files.data_dir.chmod(files.data_dir.stat().st_mode | 0o001)
    for directory in files.data_dir.parents:
        if not directory.stat().st_mode & 0o001:
            raise SystemExit(
                f"{directory} cannot be passed through by other users, and the cluster runs as `nobody` when"
                f" we are root: `chmod o+x {directory}`, or choose another {DATA_DIR_VARIABLE}"
            )


def command_up(arguments: argparse.Namespace) -> None:
    """Embedded PostgreSQL + migrations + reference data + the four apps, supervised until Ctrl-C or
    SIGTERM: a process that exits is restarted; if this process is killed, its children stop too."""
    files = StackFiles.current()
    _prepare_data_dir(files)
    lock = SupervisorLock(files)
    if not lock.acquire():
        running = (files.read_state() or {}).get("supervisor") or {}
        raise SystemExit(
            f"a stack already runs from {files.data_dir} (supervisor pid {running.get('pid', '?')}): see `./dev status`"
        )
    stops = _StopRequests()
    stops.install()
    secrets_ = StackSecrets.load_or_create(files.secrets)
    cluster = EmbeddedPostgres(root=files.cluster_root, superuser_password=secrets_.superuser_password)
    ports = {
        app: arguments.port_base + offset
        for app, offset in (("gateway", 0), ("territories", 1), ("grants", 2), ("participation", 3))
    }
    since = datetime.now(UTC).isoformat(timespec="seconds")

    def write_state() -> None:
        files.write_state(
            {
                "db_port": cluster.port,
                "ports": ports,
                "data_dir": str(files.data_dir),
                "supervisor": {"pid": os.getpid(), "since": since},
                "services": {service.name: service.describe() for service in supervisor.services},
            }
        )

    supervisor = Supervisor(say, write_state)
    log = None
    try:
        clear_leftovers(files, cluster, ports.values(), say)
        say(f"PostgreSQL: {cluster.binaries_source} binaries in {cluster.bin_dir}, port {cluster.port}")
        cluster.prepare_foreground()
        log = cluster.log_file.open("ab")
        postgres = Service(
            "postgres",
            # SIGINT is PostgreSQL's fast shutdown: sent by us to stop it, by Linux if we die.
            cluster.foreground_command(parent_death_signal="INT"),
            ready=lambda process: cluster.accepts_connections(process.pid),
            port=cluster.port,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
            cwd=cluster.root,
            stdout=log,
            stop_signal=signal.SIGINT,
            death_signal=signal.SIGINT,
            stop_grace=POSTGRES_STOP_GRACE_SECONDS,
            layer=0,
        )
        supervisor.start(postgres, stops.stopping)
        admin = cluster.url("postgres", secrets_.superuser_password, "postgres", driver="postgresql")
        provision_sync(admin, DATABASE, secrets_.role_passwords, secrets_.owner_passwords)
        environments = app_environments(secrets_, "127.0.0.1", cluster.port, ports)
        for app in APPS:
            migrate(app, secrets_.owner_url(app, "127.0.0.1", cluster.port))
        say("migrations: territories, grants, participation, gateway at head (as their owner roles)")
        territories_url = environments["territories"]["TERRITORIES_DATABASE_URL"]
        say("reference data: " + asyncio.run(import_reference(territories_url)))
        grants_url = environments["grants"]["GRANTS_DATABASE_URL"]
        say("grants reference data: " + asyncio.run(import_grants_reference_data(grants_url)))
        participation_url = environments["participation"]["PARTICIPATION_DATABASE_URL"]
        say("participation demo (fictitious members): " + asyncio.run(import_participation_demo(participation_url)))
        if arguments.national_qpv:
            say(asyncio.run(import_national_qpvs(territories_url)))
        for app in ("territories", "grants", "participation", "gateway"):
            workers = workers_of(app, os.environ, arguments.workers)
            service = Service(
                app,
                uvicorn_command(app, ports[app], workers=workers),
                ready=_answers(f"http://127.0.0.1:{ports[app]}"),
                port=ports[app],
                # The data directory marks the apps of this stack (cli/leftovers.py tells them apart).
                env={
                    **os.environ,
                    **environments[app],
                    app.upper() + "_WORKERS": str(workers),
                    DATA_DIR_VARIABLE: str(files.data_dir),
                },
                cwd=ROOT,
            )
            supervisor.start(service, stops.stopping)
        # The gateway's job worker (webhooks: relay and deliveries); no port: it serves no HTTP.
        worker = Service(
            WORKER,
            [sys.executable, "-m", "gateway.worker"],
            ready=lambda process: process.poll() is None,
            port=0,
            env={**os.environ, **environments["gateway"], DATA_DIR_VARIABLE: str(files.data_dir)},
            cwd=ROOT,
            # When the supervisor dies PostgreSQL goes too: a graceful stop would wait on a database that is
            # gone. Killed, its jobs are taken again by the next worker (their heartbeat stopped).
            death_signal=signal.SIGKILL,
        )
        supervisor.start(worker, stops.stopping)
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        say("")
        say(f"Gateway:  {gateway}")
        say(f"API docs: {gateway}/api/docs")
        say(f"Try:      curl '{gateway}/api/territories/qpvs?codeEpci=200033579'")
        say(f"          curl '{gateway}/api/territories/communes?codeEpci=200033579&limit=100'")
        say("Tokens:   ./dev token --role contract_pilot --contract CV-200033579-2024   (the CUA's pilot)")
        say("          ./dev token --role platform_admin")
        say("          an operator's, a financer's: docs/operators.md, docs/pilots-and-state.md (their first lines)")
        say("What runs: ./dev status. A process that exits is restarted. Ctrl-C stops everything.")
        stops.interrupting = False
        supervisor.watch(stops.stopping)
    except StopRequestedError:
        pass
    except (StartError, PortTakenError) as error:
        raise SystemExit(f"{error}: stopping") from error
    finally:
        stops.interrupting = False
        say("stopping")
        supervisor.stop_all()
        files.state.unlink(missing_ok=True)
        lock.release()
        if log is not None:
            log.close()
        say("stopped")


def command_status(_arguments: argparse.Namespace) -> None:
    """What the local stack runs: the supervisor, PostgreSQL and each app (pid, port, health, restarts).
    Exits with 0 when everything runs and answers, 1 otherwise."""
    files = StackFiles.current()
    state = files.read_state()
    if not supervisor_running(files):
        left = " (a state file is left from a run that ended abruptly: the next `./dev up` cleans up)" if state else ""
        say(f"no stack runs from {files.data_dir}{left}")
        raise SystemExit(1)
    if state is None:
        say(f"the stack of {files.data_dir} is starting")
        raise SystemExit(1)
    supervisor = state["supervisor"]
    say(f"supervisor     pid {supervisor['pid']:<7} since {supervisor['since']}   data {state['data_dir']}")
    everything_up = True
    for name, entry in state["services"].items():
        pid, ticks = entry.get("pid"), entry.get("start_ticks")
        alive = bool(pid and ticks is not None and ProcessIdentity(int(pid), int(ticks)).alive())
        if not alive:
            health = "not running"
        elif name == "postgres":
            data_dir = Path(state["data_dir"]) / "pg" / "data"
            health = "accepting connections" if postmaster_accepts_connections(data_dir, int(pid)) else "not ready"
        elif name == WORKER:
            health = "working"  # it answers no HTTP: alive is all that can be told
        else:
            health = "healthy" if _healthy(f"http://127.0.0.1:{entry['port']}") else "not answering"
            workers = len(worker_processes(int(pid))) if alive and pid else 0
            health += f", {workers} workers" if workers else ""
        everything_up = everything_up and health.split(",")[0] in ("healthy", "accepting connections", "working")
        last = f" (last exit: {entry['last_exit']})" if entry.get("last_exit") else ""
        say(
            f"{name:<14} pid {pid or '-'!s:<7} port {entry['port']:<6} {entry['status']:<9} {health:<22}"
            f" restarts {entry['restarts']}{last}"
        )
    say(f"API docs       http://127.0.0.1:{state['ports']['gateway']}/api/docs")
    if not everything_up:
        raise SystemExit(1)
