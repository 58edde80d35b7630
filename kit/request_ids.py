"""Request ids: accepted from the caller when well formed, otherwise created; echoed and logged. And the
moment the request being served arrived (`time.monotonic()`), for what must have heard every change
acknowledged before it (kit/response_cache.py's `caught_up_with_request`: kept answers, kept totals, what a
service keeps itself)."""

from __future__ import annotations

import os
import random
import re
import time
from contextvars import ContextVar, Token

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)
# 128 random bits, written as a UUID's hex: an id to follow, not a secret, so none of uuid4's system calls
# for it (7 % of a remembered answer's CPU). A generator of this module's own, seeded from the system's
# randomness and again in each forked process: nobody's `random.seed()` can make two processes' ids repeat.
_ids = random.Random()  # noqa: S311 (ids to follow requests, not secrets)
os.register_at_fork(after_in_child=_ids.seed)


_arrived_at: ContextVar[float | None] = ContextVar("request_arrived_at", default=None)


def request_arrived_at() -> float:
    """When the request being served in this task arrived (`time.monotonic()`); now, outside a request."""
    arrived = _arrived_at.get()
    return time.monotonic() if arrived is None else arrived


def set_request_arrived_at(moment: float) -> Token[float | None]:
    """Bind the request's arrival to the current context; returns a token for `reset_request_arrived_at`."""
    return _arrived_at.set(moment)


def reset_request_arrived_at(token: Token[float | None]) -> None:
    _arrived_at.reset(token)


def current_request_id() -> str | None:
    """The id of the request being served in this task, if any."""
    return _current.get()


def set_request_id(value: str | None) -> Token[str | None]:
    """Bind the request id to the current context; returns a token for `reset_request_id`."""
    return _current.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    _current.reset(token)


def accept_or_create(candidate: str | None) -> str:
    """Keep a caller's id only when it is safe to log and forward; otherwise make a new one."""
    if candidate is not None and _VALID_REQUEST_ID.fullmatch(candidate):
        return candidate
    return f"{_ids.getrandbits(128):032x}"
