from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager

import pytest

from gateway.webhooks.domain import RETRY_DELAYS_SECONDS
from tests.events.feed import event_types_known  # noqa: F401 - autouse fixture
from tests.running_stack import RunningStack, gateway_settings
from tests.webhooks.receiver import Receiver, running_receiver


@asynccontextmanager
async def running_worker(stack: RunningStack, delays: Sequence[float] = RETRY_DELAYS_SECONDS) -> AsyncIterator[None]:
    """A procrastinate worker in this process, on the stack's real database: the same code as `python -m
    gateway.worker` (tests/webhooks/worker_process.py starts that), here on the tests' loop so that a test's
    end stops it at once; `delays`: its retry schedule."""
    from gateway.webhooks.jobs import run_worker
    from gateway.worker import job_app

    settings = gateway_settings(stack)
    async with job_app(settings, clock=stack.clock, delays=delays) as app:
        wake_url = settings.database_url.get_secret_value()
        task = asyncio.create_task(
            run_worker(app, wake_url=wake_url, install_signal_handlers=False, name="test-worker")
        )
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.fixture
async def webhook_worker(stack: RunningStack) -> AsyncIterator[None]:
    """A worker for the test's length, on the platform's retry schedule."""
    async with running_worker(stack):
        yield


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running
