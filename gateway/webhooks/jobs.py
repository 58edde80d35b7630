"""The gateway's job engine: procrastinate on the gateway's own database, its tables in the gateway schema
(the connections' search_path), its SQL applied by an Alembic migration of the gateway.

The jobs:
- `webhook-relay`, every 2 s (procrastinate defers one per tick whatever the number of workers, and its
  `lock` runs one at a time): feeds → deliveries (gateway/webhooks/relay.py);
- `webhook-delivery`, one per (subscription, event): `lock` = subscription + resource, so the events of one
  resource reach an endpoint in order, a retry included (the next waits for it); `queueing_lock` =
  subscription + event, so an event waits in the queue once; retried on the Standard Webhooks schedule;
- `retry-stalled-jobs`, every minute: the jobs of a worker that died (no heartbeat) run again;
- `remove-finished-jobs`, every 10 minutes: the queue's jobs ended more than a day ago are removed.

Three periodic jobs in all."""

from __future__ import annotations

import logging
import math
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from procrastinate import App, BaseRetryStrategy, JobContext, PsycopgConnector, RetryDecision
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from sqlalchemy.engine import make_url

from gateway.events import EventFeeds
from gateway.settings import SCHEMA
from gateway.webhooks import relay
from gateway.webhooks.domain import RETRY_DELAYS_SECONDS
from kit.auth.tokens import TokenIssuer
from kit.unit_of_work import UnitOfWork

logger = logging.getLogger("gateway.webhooks")

QUEUE = "gateway-webhooks"
RELAY_EVERY = "* * * * * */2"  # croniter's sixth field: seconds
STALLED_AFTER_SECONDS = 30
# The queue's finished jobs are the engine's, not the record: attempts and deliveries are kept in our own
# tables (webhook_attempts, webhook_deliveries). Kept a day for a look, then removed (the relay alone
# adds some 43,000 a day).
KEEP_FINISHED_JOBS_HOURS = 24
SHUTDOWN_GRACE_SECONDS = 6.0  # below the supervisor's 10 s before SIGKILL
_draw = secrets.SystemRandom()


class DeliveryFailedError(Exception):
    """An attempt failed; `delay`: seconds before the next one."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"delivery failed, next attempt in {delay:.0f} s")
        self.delay = delay


class ScheduledRetry(BaseRetryStrategy):
    """The delay the delivery computed (schedule and jitter: gateway/webhooks/domain.py)."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:  # noqa: ARG002 - procrastinate's signature
        if isinstance(exception, DeliveryFailedError):
            return RetryDecision(retry_in={"seconds": math.ceil(exception.delay)})
        return None


def psycopg_conninfo(database_url: str) -> str:
    """procrastinate's driver is psycopg: the same role and database as the gateway's asyncpg URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class WebhookRuntime:
    """What the jobs use: the gateway's database, the feeds, the token issuer, the HTTP client to targets."""

    units: Callable[[], UnitOfWork]  # one unit of work per job: jobs run concurrently
    feeds: EventFeeds
    issuer: TokenIssuer
    client: httpx.AsyncClient
    allow_local: bool
    delays: Sequence[float] = RETRY_DELAYS_SECONDS


def create_job_app(database_url: str, runtime: WebhookRuntime) -> App:
    connector = PsycopgConnector(
        conninfo=psycopg_conninfo(database_url),
        kwargs={"options": f"-c search_path={SCHEMA}", "application_name": "gateway-worker"},
        min_size=1,
        max_size=4,
    )
    app = App(connector=connector)

    @app.task(name="webhook-delivery", queue=QUEUE, retry=ScheduledRetry(), pass_context=True)
    async def deliver(context: JobContext, subscription_id: str, event_id: str) -> None:
        job = context.job
        delay = await relay.deliver(
            runtime.units(),
            runtime.client,
            uuid.UUID(subscription_id),
            event_id,
            failed_before=job.attempts if job is not None else 0,
            delays=runtime.delays,
            allow_local=runtime.allow_local,
            draw=_draw.random(),
        )
        if delay is not None:
            raise DeliveryFailedError(delay)

    async def defer(subscription_id: uuid.UUID, event_id: str, resource_key: str) -> None:
        try:
            await deliver.configure(
                lock=f"webhook:{subscription_id}:{resource_key}",
                queueing_lock=f"webhook:{subscription_id}:{event_id}",
            ).defer_async(subscription_id=str(subscription_id), event_id=event_id)
        except AlreadyEnqueued:
            return  # waiting in the queue already (a replay of an event not yet attempted)

    @app.periodic(cron=RELAY_EVERY, periodic_id="webhook-relay")
    @app.task(name="webhook-relay", queue=QUEUE, lock="webhook-relay", queueing_lock="webhook-relay")
    async def relay_events(timestamp: int) -> None:  # noqa: ARG001 - given by procrastinate to periodic tasks
        await relay.relay(runtime.units(), runtime.feeds, runtime.issuer, defer)

    @app.periodic(cron="* * * * *", periodic_id="retry-stalled-jobs")
    @app.task(name="retry-stalled-jobs", queue=QUEUE, queueing_lock="retry-stalled-jobs", pass_context=True)
    async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:  # noqa: ARG001 - as relay_events
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
            logger.warning("job %s of a worker that stopped answering: run again", job.id)
            await manager.retry_job(job)

    @app.periodic(cron="*/10 * * * *", periodic_id="remove-finished-jobs")
    @app.task(name="remove-finished-jobs", queue=QUEUE, queueing_lock="remove-finished-jobs", pass_context=True)
    async def remove_finished_jobs(context: JobContext, timestamp: int) -> None:  # noqa: ARG001 - as relay_events
        await context.app.job_manager.delete_old_jobs(
            nb_hours=KEEP_FINISHED_JOBS_HOURS,
            queue=QUEUE,
            include_failed=True,
            include_cancelled=True,
            include_aborted=True,
        )

    return app


async def run_worker(app: App, *, concurrency: int = 10, **options: Any) -> None:
    """Run a worker on the webhooks' queue until it is stopped: on SIGTERM its running jobs get
    SHUTDOWN_GRACE_SECONDS to end (a delivery times out sooner), then they are cancelled and run again later."""
    async with app.open_async():
        await app.run_worker_async(
            queues=[QUEUE], concurrency=concurrency, shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS, **options
        )
