"""Long operations as jobs: the one model of every operation that may outlast a request's deadline.

A route that starts one (imports, computations) stores the job in the request's transaction and answers
`202 Accepted` at once, with `Location` of the job and the job itself; a replay of its Idempotency-Key
gives the same answer. Workers in every process of the service claim queued jobs (`FOR UPDATE SKIP
LOCKED`) and hold a lease they renew while they work. A job's work runs in one transaction with its
outcome stored on the job row, so a job says `succeeded` only if its work committed, and `failed` only if
nothing of it was kept; its failure is the problem document a request would have answered. A job whose
worker died (its lease expired) is taken again, at most `MAX_ATTEMPTS` times. `GET /jobs/{id}?wait=N`
answers as soon as the job ends, or after N seconds (at most 5, under the gateway's read timeout) with where
it stands.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

import orjson
from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import Uuid as SaUuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import State

from kit.api_models import ApiModel
from kit.auth.policies import Policy, authorize
from kit.auth.principal import Principal, Role
from kit.database import sqlstate_of, unavailable_kind
from kit.ledger import Ledger
from kit.problems import ProblemError, problem_body
from kit.unit_of_work import AmbientTransaction, CommitOutcomeUnknownError, UnitOfWork, enter_operation, leave_operation
from kit.write_pipeline import TRANSIENT_SQLSTATES, platform_router

logger = logging.getLogger("kit.jobs")

MAX_ATTEMPTS = 3
LEASE_SECONDS = 30
POLL_SECONDS = 1.0
KEEP_FINISHED_DAYS = 7
JobState = Literal["queued", "running", "succeeded", "failed"]


def jobs_table(metadata: MetaData) -> Table:
    return Table(
        "jobs",
        metadata,
        Column("job_id", SaUuid, primary_key=True),
        Column("operation", Text, nullable=False),
        Column("state", Text, nullable=False),
        Column("owner", Text, nullable=False),
        Column("principal", JSONB, nullable=False),
        Column("arguments", JSONB, nullable=False),
        Column("payload", LargeBinary),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("started_at", DateTime(timezone=True)),
        Column("finished_at", DateTime(timezone=True)),
        Column("lease_until", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("result_status", Integer),
        Column("result", JSONB),
        Column("problem", JSONB),
        # The workers' claim: the oldest job still to run (queued, or running with an expired lease).
        Index("ix_jobs_unfinished", "created_at", postgresql_where=text("state IN ('queued', 'running')")),
    )


def principal_document(principal: Principal) -> dict[str, Any]:
    """What a job keeps of its caller to act for it later: ids, roles and bindings (no personal data)."""
    document = asdict(principal)
    return {key: sorted(value) if isinstance(value, frozenset) else value for key, value in document.items()}


def principal_of(document: Mapping[str, Any]) -> Principal:
    return Principal(
        subject=document["subject"],
        kind=document["kind"],
        institution=document.get("institution"),
        roles=frozenset(Role(role) for role in document.get("roles", [])),
        scopes=frozenset(document.get("scopes", [])),
        contracts=frozenset(document.get("contracts", [])),
        organisations=frozenset(document.get("organisations", [])),
        communes=frozenset(document.get("communes", [])),
        bodies=frozenset(document.get("bodies", [])),
    )


@dataclass(frozen=True, slots=True)
class JobInput:
    """What an operation runs on: its caller, its arguments (JSON), the uploaded file, the app's state."""

    principal: Principal
    arguments: dict[str, Any]
    payload: bytes
    state: State
    uow: UnitOfWork


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What the request would have answered: its status and JSON body."""

    status: int
    body: dict[str, Any]


Operation = Callable[[JobInput], Awaitable[JobOutcome]]
# Any authenticated caller reads the jobs it started (the queue answers 404 for anyone else's).
OWN_JOBS = Policy(name="own-jobs")


@dataclass(frozen=True, slots=True)
class JobDefinitions:
    """A service's long operations by name, and the table their jobs are kept in."""

    table: Table
    operations: Mapping[str, Operation]


ResultT = TypeVar("ResultT")


class JobRead(ApiModel, Generic[ResultT]):
    """A long operation and where it stands; `result` once it succeeded, `problem` once it failed."""

    id: uuid.UUID
    operation: str
    state: JobState = Field(description="queued, running, succeeded or failed")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = Field(description="How many times a worker took it (a worker that died gives it back)")
    result_status: int | None = Field(
        default=None, description="The status the operation would have answered (200, 201, or the problem's)"
    )
    result: ResultT | None = Field(default=None, description="The operation's answer, as documented with it")
    problem: dict[str, Any] | None = Field(default=None, description="Why it failed: a problem document")


def _read(row: Any) -> JobRead[Any]:
    return JobRead[Any](
        id=row.job_id,
        operation=row.operation,
        state=row.state,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        attempts=row.attempts,
        result_status=row.result_status,
        result=row.result,
        problem=row.problem,
    )


# The 202 of every route that starts a job: where to follow it, and the link to the job's own operation.
JOB_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Accepted: the job, followed at Location (GET …/jobs/{id}?wait=) until it ends",
        "headers": {
            "Location": {
                "description": "The job's absolute path",
                "required": True,
                "schema": {"type": "string"},
            }
        },
        "links": {"job": {"operationId": "get_job", "parameters": {"job_id": "$response.body#/id"}}},
    }
}


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


@dataclass
class JobQueue:
    """The jobs of one service: submitted by routes, run by this process's workers."""

    table: Table
    sessions: async_sessionmaker[AsyncSession]
    operations: dict[str, Operation]
    state: State
    ledger: Ledger
    handlers: Mapping[Any, Any]
    statement_timeout_ms: int = 600_000
    concurrency: int = 2
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _loop_task: asyncio.Task[None] | None = None

    async def submit(
        self,
        uow: UnitOfWork,
        response: Response,
        principal: Principal,
        operation: str,
        arguments: dict[str, Any],
        payload: bytes = b"",
    ) -> JobRead[Any]:
        """Store the job in the request's transaction and answer 202 with where to follow it."""
        if operation not in self.operations:
            raise KeyError(operation)
        job_id = uuid.uuid4()
        async with uow:
            await uow.session.execute(
                self.table.insert().values(
                    job_id=job_id,
                    operation=operation,
                    state="queued",
                    owner=f"{principal.kind}:{principal.subject}",
                    principal=principal_document(principal),
                    arguments=arguments,
                    payload=payload,
                )
            )
            row = (await uow.session.execute(select(self.table).where(self.table.c.job_id == job_id))).one()
            await self.ledger.created(
                uow.session,
                principal,
                action="job.accepted",
                entity_type="job",
                entity_id=str(job_id),
                after={"operation": operation, "arguments": arguments, "payloadBytes": len(payload)},
            )
            uow.on_commit(self.wake)
            await uow.commit()
        response.status_code = 202
        # An absolute path of the service: the gateway puts its /api/<service> before it.
        response.headers["Location"] = f"/jobs/{job_id}"
        return _read(row)

    def wake(self) -> None:
        self._wake.set()

    async def get(self, principal: Principal, job_id: uuid.UUID, wait_seconds: float) -> JobRead[Any]:
        """The job, for its caller (and platform administrators), once ended or after `wait_seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            async with self.sessions() as session:
                row = (await session.execute(select(self.table).where(self.table.c.job_id == job_id))).first()
            if row is None or not (principal.is_platform_admin or row.owner == f"{principal.kind}:{principal.subject}"):
                raise ProblemError(404, "not-found", "Resource not found", f"No job {job_id}.")
            if row.state in ("succeeded", "failed") or loop.time() >= deadline:
                return _read(row)
            await asyncio.sleep(min(0.2, max(0.0, deadline - loop.time())))

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
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def _claim(self) -> tuple[Any, int] | None:
        table = self.table
        claimable = (
            select(table.c.job_id)
            .where(
                or_(
                    table.c.state == "queued",
                    and_(table.c.state == "running", table.c.lease_until < func.now()),
                )
            )
            .order_by(table.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with self.sessions() as session, session.begin():
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
                async with self.sessions() as session, session.begin():
                    await session.execute(
                        update(self.table)
                        .where(self.table.c.job_id == job_id, self.table.c.attempts == attempt)
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
                uow=UnitOfWork(self.sessions, self._changed(), clock=self.state.clock),
            )
            outcome = await self.operations[row.operation](job)
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

    def _changed(self) -> Callable[[], None] | None:
        cache = getattr(self.state, "response_cache", None)
        return cache.changed if cache is not None else None

    def _keeper(
        self, job_id: uuid.UUID, attempt: int, outcome: JobOutcome
    ) -> Callable[[AsyncSession], Awaitable[None]]:
        async def keep(session: AsyncSession) -> None:
            stored = await session.execute(
                update(self.table)
                .where(self.table.c.job_id == job_id, self.table.c.attempts == attempt)
                .values(
                    state="succeeded",
                    finished_at=func.now(),
                    lease_until=None,
                    result_status=outcome.status,
                    result=storable_json(outcome.body),
                    payload=None,
                )
                .returning(self.table.c.job_id)
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
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(self.table)
                .where(self.table.c.job_id == job_id, self.table.c.attempts == attempt)
                .values(**values)
            )

    async def _give_back(self, job_id: uuid.UUID, attempt: int) -> None:
        with contextlib.suppress(Exception):
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(self.table)
                    .where(self.table.c.job_id == job_id, self.table.c.attempts == attempt)
                    .values(state="queued", lease_until=None)
                )

    async def _forget_old(self) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                self.table.delete().where(
                    self.table.c.finished_at < func.now() - text(f"interval '{KEEP_FINISHED_DAYS} days'")
                )
            )


def _unreachable(error: BaseException) -> bool:
    return unavailable_kind(error) is not None


def job_queue(request: Request) -> JobQueue:
    """FastAPI dependency: the app's job queue."""
    queue: JobQueue = request.app.state.job_queue
    return queue


JobOwner = Annotated[Principal, Depends(authorize(OWN_JOBS))]
Queue = Annotated[JobQueue, Depends(job_queue)]


def jobs_router() -> Any:
    """`GET /jobs/{job_id}`: the caller's own jobs (and any, for platform administrators)."""
    router = platform_router(["jobs"], authenticated=True)

    @router.get("/jobs/{job_id}", operation_id="get_job", response_model=JobRead[dict[str, Any]])
    async def get_job(
        queue: Queue,
        job_id: uuid.UUID,
        principal: JobOwner,
        wait: Annotated[float, Query(ge=0, le=5, description="Seconds to wait for the job to end")] = 0,
    ) -> JobRead[Any]:
        """A long operation started by the caller: its state, then its result or its problem."""
        return await queue.get(principal, job_id, wait)

    return router


def outcome(status: int, model: BaseModel) -> JobOutcome:
    """A job's answer from the API model a request would have answered."""
    return JobOutcome(status, model.model_dump(mode="json", by_alias=True))
