"""The gateway's job engine: procrastinate on the gateway's own database, its tables in the gateway schema
(the connections' search_path), its SQL applied by an Alembic migration of the gateway.

The jobs:
- `webhook-relay`, every 2 s (procrastinate defers one per tick whatever the number of workers, and its
  `lock` runs one at a time) and at once when a service commits (gateway/webhooks/wake_up.py): feeds →
  deliveries (gateway/webhooks/relay.py); a run reads again at once while another relay waits (a burst);
- `webhook-deliveries`, one per subscription at a time (`lock`), at most one more waiting (`queueing_lock`):
  it drains the subscription's pending deliveries in batches, resources side by side and each resource's
  events in order (gateway/webhooks/dispatch.py). A failed delivery keeps its retry state in its row
  (Standard Webhooks' schedule, gateway/webhooks/domain.py) and holds back only its resource's later
  events; the relay defers the job again when a retry falls due. Measured (bench/events.py): one job per
  (subscription, event) spent most of its time in the queue's own round trips (fetch, lock, finish) and
  capped deliveries below the rate of a burst of writes;
- `retry-stalled-jobs`, every minute: the jobs of a worker that died (no heartbeat) run again;
- `remove-finished-jobs`, every 10 minutes: the queue's jobs ended more than a day ago are removed;
- the platform's daily scheduled work (gateway/schedules.py): retention, overdue reports."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Status
from sqlalchemy.engine import make_url

from gateway.events import EventFeeds
from gateway.schedules import Caller, register_schedules
from gateway.settings import SCHEMA
from gateway.webhooks import dispatch, relay
from gateway.webhooks.dispatch import Delivering
from gateway.webhooks.domain import RETRY_DELAYS_SECONDS
from gateway.webhooks.sealing import SecretBox
from gateway.webhooks.wake_up import change_feeds
from kit.auth.tokens import TokenIssuer
from kit.unit_of_work import UnitOfWork

logger = logging.getLogger("gateway.webhooks")

QUEUE = "gateway-webhooks"
DELIVERY_TASK = "webhook-deliveries"
RELAY_EVERY = "* * * * * */2"  # croniter's sixth field: seconds
RELAY_RUN_SECONDS = 10.0  # a relay's passes start within this time (it holds one of the worker's jobs)
# A pass starts at most this often: during a burst each reads what came meanwhile, in pages, rather than a
# few events at a time at the cost of the feeds' and the database's round trips (bench/events.py).
RELAY_PASS_SECONDS = 0.25
# Whether a relay waits to start (procrastinate's index of the waiting jobs' queueing locks answers it).
_RELAY_WAITING = (
    "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE queueing_lock = 'webhook-relay' AND status = 'todo')"
    " AS waiting"
)
STALLED_AFTER_SECONDS = 30
# The queue's finished jobs are the engine's, not the record: attempts and deliveries are kept in our own
# tables (webhook_attempts, webhook_deliveries). Kept a day for a look, then removed (the relay alone
# adds some 43,000 a day).
KEEP_FINISHED_JOBS_HOURS = 24
SHUTDOWN_GRACE_SECONDS = 6.0  # below the supervisor's 10 s before SIGKILL
# Jobs a worker runs at once (deliveries wait mostly on the network; each subscription's job sends up to
# gateway/webhooks/dispatch.py's PARALLEL requests at once). Each holds a connection of the gateway's
# pool while it reads or records, and procrastinate's own pool serves their fetch and end (plus its listener
# and heartbeat): both sized to it, so that no job waits for a connection (bench/events.py).
CONCURRENCY = 10
ENGINE_CONNECTIONS = CONCURRENCY
QUEUE_CONNECTIONS = CONCURRENCY // 2 + 2
# A job deferred while another holds its lock (a subscription's deliveries while its job runs, a relay woken
# while one runs) is announced when deferred, not when the lock is released: the worker finds it at its next
# look for jobs. procrastinate looks every 5 s by default; a look is one cheap query (a relay reads on by
# itself meanwhile, a delivery job reads on until nothing is due: what waits for a look is the rest).
FETCH_EVERY_SECONDS = 0.2
_draw = secrets.SystemRandom()


def psycopg_conninfo(database_url: str) -> str:
    """procrastinate's driver is psycopg: the same role and database as the gateway's asyncpg URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class WebhookRuntime:
    """What the jobs use: the gateway's database, the feeds, the HTTP client to the services (the scheduled
    jobs' internal routes), the token issuer, the HTTP client to targets."""

    units: Callable[[], UnitOfWork]  # one unit of work per job: jobs run concurrently
    feeds: EventFeeds
    services: httpx.AsyncClient
    issuer: TokenIssuer
    client: httpx.AsyncClient
    allow_local: bool
    box: SecretBox
    delays: Sequence[float] = RETRY_DELAYS_SECONDS


def create_job_app(database_url: str, runtime: WebhookRuntime) -> App:
    connector = PsycopgConnector(
        conninfo=psycopg_conninfo(database_url),
        kwargs={"options": f"-c search_path={SCHEMA}", "application_name": "gateway-worker"},
        min_size=1,
        max_size=QUEUE_CONNECTIONS,
    )
    app = App(connector=connector)

    delivering = Delivering(
        client=runtime.client,
        delays=runtime.delays,
        allow_local=runtime.allow_local,
        box=runtime.box,
        draw=_draw.random,
    )

    @app.task(name=DELIVERY_TASK, queue=QUEUE)
    async def deliver(subscription_id: str) -> None:
        await dispatch.deliver_pending(runtime.units(), uuid.UUID(subscription_id), delivering)

    async def defer(subscription_id: uuid.UUID) -> None:
        """The subscription's delivery job: one runs at a time, one waits (it reads what the running one has
        not): deferring while one waits already is a no-op."""
        key = f"webhook:{subscription_id}"
        with contextlib.suppress(AlreadyEnqueued):
            await deliver.configure(lock=key, queueing_lock=key).defer_async(subscription_id=str(subscription_id))

    @app.periodic(cron=RELAY_EVERY, periodic_id="webhook-relay")
    # Above the deliveries (priority 0): a backlog of deliveries does not hold back reading the new events.
    @app.task(name="webhook-relay", queue=QUEUE, lock="webhook-relay", queueing_lock="webhook-relay", priority=10)
    async def relay_events(timestamp: int) -> None:  # noqa: ARG001 - given by procrastinate to periodic tasks
        """Passes one after the other while another relay was deferred meanwhile (a change heard, or the
        tick): during a burst of writes the relay reads on at once instead of waiting for the worker's next
        look for jobs (its lock is released only when this one ends); the waiting one reads what is left."""
        ends = time.monotonic() + RELAY_RUN_SECONDS
        while True:
            started = time.monotonic()
            await relay.relay(runtime.units(), runtime.feeds, runtime.issuer, defer)
            if time.monotonic() > ends or not (await app.connector.execute_query_one_async(_RELAY_WAITING))["waiting"]:
                return
            await asyncio.sleep(max(0.0, started + RELAY_PASS_SECONDS - time.monotonic()))

    @app.periodic(cron="* * * * *", periodic_id="retry-stalled-jobs")
    @app.task(name="retry-stalled-jobs", queue=QUEUE, queueing_lock="retry-stalled-jobs", pass_context=True)
    async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:  # noqa: ARG001 - as relay_events
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
            logger.warning("job %s of a worker that stopped answering: run again", job.id)
            try:
                await manager.retry_job(job)
            except UniqueViolation:  # a periodic job (a relay) whose next run already waits: that one runs
                if job.id is not None:
                    await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)

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

    register_schedules(app, Caller(runtime.services, dict(runtime.feeds.upstreams), runtime.issuer), QUEUE)
    return app


async def run_worker(
    app: App,
    *,
    wake_url: str | None = None,
    concurrency: int = CONCURRENCY,
    fetch_job_polling_interval: float = FETCH_EVERY_SECONDS,
    **options: Any,
) -> None:
    """Run a worker on the webhooks' queue until it is stopped: on SIGTERM its running jobs get
    SHUTDOWN_GRACE_SECONDS to end (a delivery times out sooner), then they are cancelled and run again later.
    `wake_url`: the database whose services' commits wake the relay (gateway/webhooks/wake_up.py)."""
    async with app.open_async():
        feeds = change_feeds(app, wake_url) if wake_url is not None else []
        for feed in feeds:
            feed.start()
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS,
                fetch_job_polling_interval=fetch_job_polling_interval,
                **options,
            )
        finally:
            for feed in feeds:
                await feed.stop()
