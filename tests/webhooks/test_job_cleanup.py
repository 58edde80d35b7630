"""The queue's own jobs, once ended, are removed after a day (our attempts and deliveries stay)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import asyncpg
from procrastinate import JobContext

from gateway.webhooks.jobs import KEEP_FINISHED_JOBS_HOURS, QUEUE
from tests.running_stack import RunningStack, gateway_settings

FINISHED = (
    "INSERT INTO gateway.procrastinate_jobs (queue_name, task_name, args, status)"
    " VALUES ($1, 'a-finished-job', '{}', 'succeeded') RETURNING id"
)
ENDED = (
    "INSERT INTO gateway.procrastinate_events (job_id, type, at)"
    " VALUES ($1, 'succeeded', now() - make_interval(hours => $2))"
)


async def test_jobs_ended_over_a_day_ago_are_removed_and_the_others_kept(stack: RunningStack) -> None:
    from gateway.worker import job_app

    connection = await asyncpg.connect(stack.owner_url("gateway").replace("+asyncpg", ""))
    try:
        ages = {"old": KEEP_FINISHED_JOBS_HOURS + 1, "recent": 1}  # hours since each ended
        ids = {}
        for name, age in ages.items():
            ids[name] = await connection.fetchval(FINISHED, QUEUE)
            await connection.execute(ENDED, ids[name], age)
        async with job_app(gateway_settings(stack), clock=stack.clock) as app, app.open_async():
            task = app.tasks["remove-finished-jobs"]
            await task.func(cast(JobContext, SimpleNamespace(app=app)), timestamp=0)
        kept = {
            row["id"]
            for row in await connection.fetch(
                "SELECT id FROM gateway.procrastinate_jobs WHERE id = ANY($1::bigint[])", list(ids.values())
            )
        }
    finally:
        await connection.close()
    assert kept == {ids["recent"]}
