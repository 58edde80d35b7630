"""The relay woken by the services' commits: each service's schema announces its committed changes on
`<schema>_changed` (kit/change_feed.py: a trigger on every table, the outbox's included), and a worker that
hears one defers a relay at once instead of waiting for the next tick. The tick stays: a notification is a
hint (lost while the listening connection is down, or never heard if a service's schema lived in another
database), the periodic relay the guarantee. At most one relay waits in the queue (its `queueing_lock`), so
a burst of commits costs one relay run after the running one, not one each."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException

from gateway.events import SERVICES
from kit.change_feed import ChangeFeed

logger = logging.getLogger("gateway.webhooks")

RELAY_TASK = "webhook-relay"


class RelayWakeUp:
    """A `kit.change_feed.Listener`: a change heard defers a relay (one defer in flight at a time; changes
    heard meanwhile defer once more after it, so none is heard only by a relay that had already read)."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._heard = False
        self._waking: asyncio.Task[None] | None = None

    def changed(self, scope: str = "") -> None:  # noqa: ARG002 - whatever the contract, the relay reads every feed
        self._heard = True
        if self._waking is None or self._waking.done():
            self._waking = asyncio.get_running_loop().create_task(self._wake())

    def hearing(self) -> None:
        self.changed()  # what was committed while deaf is read at once

    def deaf(self) -> None:
        return  # the periodic relay covers what is not heard

    async def _wake(self) -> None:
        while self._heard:
            self._heard = False
            try:
                await self._app.tasks[RELAY_TASK].defer_async(timestamp=int(time.time()))
            except AlreadyEnqueued:
                continue  # a relay waits to start: it reads what was heard
            except ConnectorException as error:
                logger.warning("relay wake-up not deferred: %s", type(error).__name__)


def change_feeds(app: App, database_url: str, schemas: Sequence[str] = SERVICES) -> list[ChangeFeed]:
    wake_up = RelayWakeUp(app)
    return [ChangeFeed(database_url, schema, wake_up, application_name="gateway-worker") for schema in schemas]
