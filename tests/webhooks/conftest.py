from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.running_stack import RunningStack, gateway_settings
from tests.webhooks.receiver import Receiver, running_receiver


@pytest.fixture
async def webhook_worker(stack: RunningStack) -> AsyncIterator[None]:
    """A procrastinate worker in this process, on the stack's real database, for the test's length: the same
    code as `python -m gateway.worker` (a process is started by tests/cli), here on the tests' loop so that a
    test's end stops it at once."""
    from gateway.webhooks.jobs import run_worker
    from gateway.worker import job_app

    async with job_app(gateway_settings(stack), clock=stack.clock) as app:
        task = asyncio.create_task(
            run_worker(app, install_signal_handlers=False, fetch_job_polling_interval=0.5, name="test-worker")
        )
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running
