"""The worker processes of one app (uvicorn's --workers: a manager and the workers it spawns)."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def stop_with_the_manager() -> None:
    """In a worker uvicorn's manager spawned, ask Linux for SIGTERM when the manager dies, however it dies.

    uvicorn's workers outlive a manager killed with SIGKILL (the supervisor's last resort, the OOM killer)
    and keep serving on the port: a new manager could not bind it, and `./dev up` would restart it in vain.
    Outside such a worker (one process serving, the tests) it does nothing."""
    manager = multiprocessing.parent_process()
    if manager is None or sys.platform != "linux":
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != manager.pid:  # the manager died before prctl: no signal will ever come
        os.kill(os.getpid(), signal.SIGTERM)
