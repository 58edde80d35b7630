"""The workers that run a service's jobs (kit/jobs.py), in every process of the service.

They claim the oldest job still to run (`FOR UPDATE SKIP LOCKED`), hold a lease they renew while they work,
and run the job's operation in one ambient transaction (kit/unit_of_work.py) that commits with the job's
outcome: a job says `succeeded` only if its work committed, and `failed`, with the problem document a
request would have answered, only if nothing of it was kept. A job whose worker died is taken again once
its lease runs out, at most `MAX_ATTEMPTS` times; a transient failure gives it back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import Request, Response
from sqlalchemy import and_, func, literal, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State

from kit.ambient_transaction import AmbientTransaction, CommitOutcomeUnknownError, enter_operation, leave_operation
from kit.database import sqlstate_of, unavailable_kind
from kit.jobs import LEASE_SECONDS, MAX_ATTEMPTS, JobInput, JobOutcome, JobQueue, principal_of
from kit.problems import problem_body
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import TRANSIENT_SQLSTATES

logger = logging.getLogger("kit.jobs")

POLL_SECONDS = 1.0
KEEP_FINISHED_DAYS = 7


@dataclass
class JobWorkers:
    """This process's workers of one service's queue; `handlers` are the app's exception handlers, which
    turn a failed job's error into the problem its request would have answered."""

    queue: JobQueue
    state: State
    handlers: Mapping[Any, Any]
    statement_timeout_ms: int = 600_000
    concurrency: int = 2
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _loop_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        # A fresh context: the workers run outside any request's ambient transaction.
        self._loop_task = asyncio.get_running_loop().create_task(self._work(), context=contextvars.Context())

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _work(self) -> None:
        sweeps = 0
        while True:
            try:
                while len(self._tasks) < self.concurrency and (claimed := await self._claim()) is not None:
                    task = asyncio.get_running_loop().create_task(self._run(*claimed), context=contextvars.Context())
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                sweeps += 1
                if sweeps % 600 == 0:
                    await self._forget_old()
            except Exception:
                logger.warning("job queue unavailable; retrying", exc_info=True)
            self.queue.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.queue.wakeup.wait(), POLL_SECONDS)

    async def _claim(self) -> tuple[Any, int] | None:
        table = self.queue.table
        # The states are written in the statement, not bound: only literals prove the partial index's
        # predicate (ix_jobs_unfinished) whatever plan PostgreSQL keeps for the statement (a generic plan,
        # made for any value, scanned the whole table).
        queued, running = (literal(state, literal_execute=True) for state in ("queued", "running"))
        claimable = (
            select(table.c.job_id)
            .where(
                or_(
                    table.c.state == queued,
                    and_(table.c.state == running, table.c.lease_until < func.now()),
                )
            )
            .order_by(table.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with self.queue.sessions() as session, session.begin():
            row = (
                await session.execute(
                    update(table)
                    .where(table.c.job_id == claimable)
                    .values(
                        state="running",
                        attempts=table.c.attempts + 1,
                        started_at=func.coalesce(table.c.started_at, func.now()),
                        lease_until=func.now() + text(f"interval '{LEASE_SECONDS} seconds'"),
                    )
                    .returning(table)
                )
            ).first()
        if row is None:
            return None
        if row.attempts > MAX_ATTEMPTS:
            await self._finish_apart(
                row.job_id,
                row.attempts,
                problem_body(
                    503,
                    "job-interrupted",
                    "Job interrupted",
                    f"The job was interrupted {MAX_ATTEMPTS} times; nothing of it was kept.",
                ),
            )
            return None
        return row, row.attempts

    async def _renew(self, job_id: uuid.UUID, attempt: int) -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 3)
            with contextlib.suppress(Exception):
                async with self.queue.sessions() as session, session.begin():
                    await session.execute(
                        update(self.queue.table)
                        .where(self.queue.table.c.job_id == job_id, self.queue.table.c.attempts == attempt)
                        .values(lease_until=func.now() + text(f"interval '{LEASE_SECONDS} seconds'"))
                    )

    async def _run(self, row: Any, attempt: int) -> None:
        renewing = asyncio.get_running_loop().create_task(self._renew(row.job_id, attempt))
        transaction = AmbientTransaction(statement_timeout_ms=self.statement_timeout_ms)
        token = enter_operation(transaction)
        try:
            job = JobInput(
                principal=principal_of(row.principal),
                arguments=dict(row.arguments),
                payload=bytes(row.payload or b""),
                state=self.state,
                uow=UnitOfWork(self.queue.sessions, self._changed(), clock=self.state.clock),
            )
            outcome = await self.queue.operations[row.operation](job)
            kept = await transaction.complete(self._keeper(row.job_id, attempt, outcome))
            if not kept:  # the operation wrote nothing (a dry run): its answer is stored on its own
                await self._finish_apart(row.job_id, attempt, None, outcome)
        except asyncio.CancelledError:
            await transaction.close()
            await self._give_back(row.job_id, attempt)
            raise
        except CommitOutcomeUnknownError:
            # The job row was in the commit: it says succeeded if the commit went through; otherwise its lease
            # runs out and a worker takes the job again.
            logger.warning("job %s: commit outcome unknown; left to its lease", row.job_id)
        except Exception as error:  # noqa: BLE001 - a job's failure is told on the job, never lost
            await transaction.close()
            if sqlstate_of(error) in TRANSIENT_SQLSTATES or _unreachable(error):
                logger.warning("job %s: transient failure, given back", row.job_id)
                await self._give_back(row.job_id, attempt)
            else:
                await self._finish_apart(row.job_id, attempt, await self._problem_of(error, row.job_id))
        finally:
            renewing.cancel()
            await transaction.close()
            leave_operation(token)

    async def _problem_of(self, error: Exception, job_id: uuid.UUID) -> dict[str, Any]:
        """The problem a request would have answered for `error`, by the app's own exception handlers."""
        handlers: Mapping[Any, Any] = self.handlers
        for kind in type(error).__mro__:
            handler = handlers.get(kind)
            if handler is None or kind is Exception:
                continue
            scope = {"type": "http", "method": "POST", "path": f"/jobs/{job_id}", "headers": [], "query_string": b""}
            try:
                answered = await handler(Request(scope), error)
            except Exception:  # noqa: BLE001 - a handler that gives up leaves the error unexplained
                break
            if isinstance(answered, Response) and answered.status_code < 500:
                document: dict[str, Any] = orjson.loads(bytes(answered.body))
                return document
            break
        logger.error("job %s failed", job_id, exc_info=error)
        return problem_body(500, "internal", "Internal error", "The error was logged.")

    def _changed(self) -> Callable[[str], None] | None:
        cache = getattr(self.state, "response_cache", None)
        return cache.changed if cache is not None else None

    def _keeper(
        self, job_id: uuid.UUID, attempt: int, outcome: JobOutcome
    ) -> Callable[[AsyncSession], Awaitable[None]]:
        async def keep(session: AsyncSession) -> None:
            stored = await session.execute(
                update(self.queue.table)
                .where(self.queue.table.c.job_id == job_id, self.queue.table.c.attempts == attempt)
                .values(
                    state="succeeded",
                    finished_at=func.now(),
                    lease_until=None,
                    result_status=outcome.status,
                    result=storable_json(outcome.body),
                    payload=None,
                )
                .returning(self.queue.table.c.job_id)
            )
            if stored.first() is None:  # another worker took the job after this one's lease ran out
                raise RuntimeError(f"job {job_id}: lease lost, its work is rolled back")

        return keep

    async def _finish_apart(
        self, job_id: uuid.UUID, attempt: int, problem: dict[str, Any] | None, outcome: JobOutcome | None = None
    ) -> None:
        values: dict[str, Any] = {"finished_at": func.now(), "lease_until": None, "payload": None}
        if problem is not None:
            values |= {"state": "failed", "result_status": problem["status"], "problem": storable_json(problem)}
        elif outcome is not None:
            values |= {"state": "succeeded", "result_status": outcome.status, "result": storable_json(outcome.body)}
        async with self.queue.sessions() as session, session.begin():
            await session.execute(
                update(self.queue.table)
                .where(self.queue.table.c.job_id == job_id, self.queue.table.c.attempts == attempt)
                .values(**values)
            )

    async def _give_back(self, job_id: uuid.UUID, attempt: int) -> None:
        with contextlib.suppress(Exception):
            async with self.queue.sessions() as session, session.begin():
                await session.execute(
                    update(self.queue.table)
                    .where(self.queue.table.c.job_id == job_id, self.queue.table.c.attempts == attempt)
                    .values(state="queued", lease_until=None)
                )

    async def _forget_old(self) -> None:
        async with self.queue.sessions() as session, session.begin():
            await session.execute(
                self.queue.table.delete().where(
                    self.queue.table.c.finished_at < func.now() - text(f"interval '{KEEP_FINISHED_DAYS} days'")
                )
            )


def storable_json(value: Any) -> Any:
    """JSON that PostgreSQL's jsonb holds: a problem may quote the input, and the input a NUL (\u0000) or a
    lone surrogate, which jsonb refuses; each becomes U+FFFD."""
    if isinstance(value, str):
        if "\x00" not in value and value.isascii():
            return value  # nearly every string: nothing to scan
        return "".join("\ufffd" if char == "\x00" or "\ud800" <= char <= "\udfff" else char for char in value)
    if isinstance(value, list):
        return [storable_json(item) for item in value]
    if isinstance(value, dict):
        return {storable_json(key): storable_json(item) for key, item in value.items()}
    return value


def _unreachable(error: BaseException) -> bool:
    return unavailable_kind(error) is not None
