"""Apps served by real uvicorn processes of their own, as `./dev up`, docker-compose and Kubernetes run
them (the session's stack runs its apps in the tests' process instead)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterable

import httpx

from cli.stack import uvicorn_command
from cli.stack_state import ROOT


def serve(app: str, port: int, environment: dict[str, str], workers: int = 1) -> subprocess.Popen[bytes]:
    """`app` on 127.0.0.1:`port` with `environment` on top of ours, `workers` processes."""
    return subprocess.Popen(
        uvicorn_command(app, port, workers=workers),
        env={**os.environ, **environment, f"{app.upper()}_WORKERS": str(workers)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def stop(processes: Iterable[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each (uvicorn stops its workers), then wait; SIGKILL what is still there after 15 s."""
    started = list(processes)
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
