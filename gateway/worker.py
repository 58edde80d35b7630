"""The gateway's job worker (`python -m gateway.worker`): procrastinate on the gateway's database, running
the webhooks' relay and deliveries and the platform's daily scheduled work (gateway/schedules.py: retention,
overdue reports). Start as many as wanted, on as many machines: they share the queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from procrastinate import App

from gateway.events import EventFeeds
from gateway.settings import SCHEMA, GatewaySettings
from gateway.webhooks.delivery import delivery_client
from gateway.webhooks.domain import RETRY_DELAYS_SECONDS
from gateway.webhooks.jobs import ENGINE_CONNECTIONS, WebhookRuntime, create_job_app, run_worker
from kit.auth.tokens import TokenIssuer
from kit.clock import Clock, SystemClock
from kit.database import create_engine, create_sessionmaker
from kit.json_logs import configure_json_logging
from kit.unit_of_work import UnitOfWork

logger = logging.getLogger("gateway.worker")


@asynccontextmanager
async def job_app(
    settings: GatewaySettings, clock: Clock | None = None, delays: Sequence[float] = RETRY_DELAYS_SECONDS
) -> AsyncIterator[App]:
    """The job app with what its jobs use, closed on exit; `delays`: the retry schedule (shorter in tests)."""
    database_url = settings.database_url.get_secret_value()
    engine = create_engine(database_url, SCHEMA, application_name="gateway-worker", pool_size=ENGINE_CONNECTIONS)
    services_client = httpx.AsyncClient(timeout=httpx.Timeout(10.0), trust_env=False)
    feeds = EventFeeds(settings.upstreams())
    targets = delivery_client()
    sessions = create_sessionmaker(engine)
    runtime = WebhookRuntime(
        units=lambda: UnitOfWork(sessions, clock=clock or SystemClock()),
        feeds=feeds,
        services=services_client,
        issuer=TokenIssuer(
            settings.signing_key.get_secret_value(), settings.issuer, settings.audience, settings.token_ttl_seconds
        ),
        client=targets,
        allow_local=settings.webhook_allow_local_targets,
        box=settings.secret_box(),
        delays=delays,
    )
    try:
        yield create_job_app(database_url, runtime)
    finally:
        await targets.aclose()
        await feeds.close()
        await services_client.aclose()
        await engine.dispose()


async def serve(settings: GatewaySettings, **options: Any) -> None:
    async with job_app(settings) as app:
        await run_worker(app, wake_url=settings.database_url.get_secret_value(), **options)


def main() -> None:
    settings = GatewaySettings()  # read from the environment
    if settings.environment != "test":
        configure_json_logging("gateway-worker", settings.log_level)
        # procrastinate tells each job's start and end at INFO: the relay's every 2 s drowned the log (a
        # user run: half of its lines). Its warnings and errors stay; ours say what was delivered.
        logging.getLogger("procrastinate").setLevel(max(logging.WARNING, logging.getLogger().level))
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
