"""Keeps the local stack's processes running: a process that exits is started again after a delay that
doubles with each quick failure; on request, everything stops in order (apps, then PostgreSQL)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cli.processes import ProcessIdentity, describe_exit, die_with_parent

# uvicorn gives requests 5 s on SIGTERM (cli/stack.py GRACEFUL_SHUTDOWN_SECONDS): past this, SIGKILL.
APP_STOP_GRACE_SECONDS = 10.0
# A fast shutdown (SIGINT) ends the backends and writes a checkpoint; an immediate one (SIGQUIT) skips the
# checkpoint (recovery at next start), SIGKILL last.
POSTGRES_STOP_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class Backoff:
    """Delay before restart n (1, 2, …) of a process that keeps failing: first, doubled each time, capped.
    A process that ran `stable_seconds` before exiting starts again from the first delay."""

    first: float = 0.5
    cap: float = 30.0
    stable_seconds: float = 30.0

    def delay(self, consecutive_failures: int) -> float:
        return float(min(self.cap, self.first * 2 ** max(0, consecutive_failures - 1)))


@dataclass
class Service:
    """One supervised process. `ready` tells whether a started process serves (health, lock file); `layer`
    orders stops: the highest first, a layer's processes together."""

    name: str
    command: Sequence[str]
    ready: Callable[[subprocess.Popen[bytes]], bool]
    port: int
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    stdout: IO[Any] | None = None
    stop_signal: signal.Signals = signal.SIGTERM
    death_signal: signal.Signals = signal.SIGTERM
    stop_grace: float = APP_STOP_GRACE_SECONDS
    layer: int = 1
    process: subprocess.Popen[bytes] | None = None
    identity: ProcessIdentity | None = None
    status: str = "stopped"  # starting, running, waiting (before a restart), stopped
    restarts: int = 0
    consecutive_failures: int = 0
    last_exit: str | None = None
    started_at: float = 0.0
    ready_at: float | None = None
    restart_at: float = 0.0
    since: str = field(default_factory=lambda: _now())

    def spawn(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            list(self.command),
            env=dict(self.env) if self.env is not None else None,
            cwd=self.cwd,
            stdout=self.stdout,
            stderr=subprocess.STDOUT if self.stdout is not None else None,
            # Its own process group: a Ctrl-C at the terminal reaches the supervisor only, which stops the
            # apps before PostgreSQL instead of everything at once.
            process_group=0,
            # Only the main thread runs while the supervisor forks (preexec_fn is unsafe with threads).
            preexec_fn=die_with_parent(self.death_signal),
        )
        self.process = process
        self.identity = ProcessIdentity.of(process.pid)
        self.status = "starting"
        self.started_at = time.monotonic()
        self.ready_at = None
        self.since = _now()
        return process

    def describe(self) -> dict[str, Any]:
        """What `./dev status` reads from the state file."""
        return {
            "pid": self.process.pid if self.process is not None else None,
            "start_ticks": self.identity.start_ticks if self.identity is not None else None,
            "port": self.port,
            "status": self.status,
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "since": self.since,
        }


class StartError(RuntimeError):
    pass


class Supervisor:
    def __init__(
        self,
        say: Callable[[str], None],
        on_change: Callable[[], None],
        backoff: Backoff | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self.services: list[Service] = []
        self.say = say
        self.on_change = on_change
        self.backoff = backoff or Backoff()
        self.start_timeout = start_timeout

    def start(self, service: Service, stopping: Callable[[], bool]) -> None:
        """Start one more process and wait until it is ready; StartError if it exits or does not get ready
        in time (a first start failing is a configuration or code error: better said than retried)."""
        self.services.append(service)
        process = service.spawn()
        self.on_change()
        while not stopping():
            if process.poll() is not None:
                raise StartError(f"{service.name} exited with {describe_exit(process.returncode)}")
            if service.ready(process):
                service.status = "running"
                service.ready_at = time.monotonic()
                self.on_change()
                return
            if time.monotonic() - service.started_at > self.start_timeout:
                raise StartError(f"{service.name} was not ready after {self.start_timeout:g} s")
            time.sleep(0.1)

    def watch(self, stopping: Callable[[], bool], interval: float = 0.2) -> None:
        """Until `stopping()`: restart what exits, after its backoff delay."""
        while not stopping():
            if self.step():
                self.on_change()
            time.sleep(interval)

    def step(self) -> bool:
        """One look at every process; whether anything changed."""
        changed = False
        now = time.monotonic()
        for service in self.services:
            process = service.process
            if service.status in ("starting", "running") and process is not None and process.poll() is not None:
                stable = service.ready_at is not None and now - service.ready_at >= self.backoff.stable_seconds
                service.consecutive_failures = 1 if stable else service.consecutive_failures + 1
                delay = self.backoff.delay(service.consecutive_failures)
                service.last_exit = describe_exit(process.returncode)
                service.status = "waiting"
                service.restart_at = now + delay
                service.since = _now()
                self.say(
                    f"supervisor: {service.name} (pid {process.pid}) exited with {service.last_exit};"
                    f" restarting it in {delay:g} s"
                )
                changed = True
            elif service.status == "waiting" and now >= service.restart_at:
                service.restarts += 1
                started = service.spawn()
                self.say(f"supervisor: {service.name} restarted (pid {started.pid}, restart {service.restarts})")
                changed = True
            elif service.status == "starting" and process is not None:
                if service.ready(process):
                    service.status = "running"
                    service.ready_at = now
                    self.say(f"supervisor: {service.name} is ready again (pid {process.pid})")
                    changed = True
                elif now - service.started_at > self.start_timeout:
                    self.say(f"supervisor: {service.name} not ready after {self.start_timeout:g} s; stopping it")
                    _stop([service])
        return changed

    def stop_all(self) -> None:
        """Every process stopped, the highest layer first; each gets its grace period, then SIGKILL."""
        for layer in sorted({service.layer for service in self.services}, reverse=True):
            _stop([service for service in self.services if service.layer == layer])
        for service in self.services:
            service.status = "stopped"


def _stop(services: Sequence[Service]) -> None:
    running = [
        (service, service.process)
        for service in services
        if service.process is not None and service.process.poll() is None
    ]
    for service, process in running:
        _signal(process, service.stop_signal)
    for service, process in running:
        try:
            process.wait(timeout=service.stop_grace)
            continue
        except subprocess.TimeoutExpired:
            pass
        # PostgreSQL: an immediate shutdown before SIGKILL (which would leave its shared memory behind).
        if service.stop_signal == signal.SIGINT:
            _signal(process, signal.SIGQUIT)
            try:
                process.wait(timeout=5)
                continue
            except subprocess.TimeoutExpired:
                pass
        process.kill()
        process.wait(timeout=10)


def _signal(process: subprocess.Popen[bytes], sent: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, sent)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
