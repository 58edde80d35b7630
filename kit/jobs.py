"""Long operations as jobs: the one model of every operation that may outlast a request's deadline.

A route that starts one (imports, computations) stores the job in the request's transaction and answers
`202 Accepted` at once, with `Location` of the job and the job itself; a replay of its Idempotency-Key
gives the same answer. Workers in every process of the service run it (kit/job_workers.py).
`GET /jobs/{id}?wait=N` answers as soon as the job ends, or after N seconds (at most 5, under the gateway's
read timeout) with where it stands.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

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
    func,
    select,
    text,
)
from sqlalchemy import Uuid as SaUuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import State

from identity.principal import Principal, Role
from kit.api_models import ApiModel
from kit.auth.policies import Policy, authorize
from kit.ledger import Ledger
from kit.problems import ProblemError
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router

MAX_ATTEMPTS = 3
LEASE_SECONDS = 30
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


@dataclass
class JobQueue:
    """The jobs of one service as requests see them: submitted by routes, read by their callers. The
    workers that run them are kit/job_workers.py's; `wakeup` tells them a job was queued."""

    table: Table
    sessions: async_sessionmaker[AsyncSession]
    operations: Mapping[str, Operation]
    ledger: Ledger
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)

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
        self.wakeup.set()

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
