"""The write pipeline on a small app of its own, over the real PostgreSQL of the stack: replays, retries of
what PostgreSQL rolled back, the guards that refuse a write which skipped a guarantee."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import asyncpg
import httpx
import pytest
from fastapi import Depends, FastAPI, Response
from sqlalchemy import MetaData, event, text

from cli.stack import AUDIENCE, ISSUER
from identity.principal import Principal, Role
from kit.ambient_transaction import AmbientTransaction, UnguardedWriteError
from kit.auth.policies import Policy, authorize
from kit.auth.tokens import verifier_from_settings
from kit.clock import SystemClock
from kit.database import create_engine, create_sessionmaker, install_database_problem_handlers, request_unit_of_work
from kit.idempotency import media_type_of
from kit.ledger import Ledger
from kit.outbox import EventCatalogue, Silent
from kit.service_app import build_app
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from tests.running_stack import RunningStack

Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
SILENT = Silent("the kit's test writes publish nothing")
LEDGER = Ledger.on(
    MetaData(schema="participation"),
    EventCatalogue(
        {},
        dict.fromkeys(
            ("thing.created", "flaky.done", "thing.put", "thing.moved", "thing.undone", "thing.kept"), SILENT
        ),
        {},
    ),
)
WRITE = Policy(name="test-write")
MARKED = text(  # a row written by the test's handler (a table its role may write, that needs no audit)
    "INSERT INTO participation.idempotency_keys (owner, key, operation, fingerprint, response_status,"
    " response_body, expires_at) VALUES (:owner, :key, 'marker', '', 0, '', now() + interval '1 hour')"
)


@dataclass
class Calls:
    """How often each handler ran, and what the flaky one must raise before it succeeds."""

    counts: dict[str, int] = field(default_factory=dict)
    failures_left: int = 0
    sqlstate: str = "40P01"
    statements: list[str] = field(default_factory=list)  # every statement the app's engine sent
    held: asyncio.Event | None = None  # the first run of /undone-first waits for it between its units
    parked: asyncio.Event = field(default_factory=asyncio.Event)  # set when it starts waiting

    def count(self, name: str) -> int:
        self.counts[name] = self.counts.get(name, 0) + 1
        return self.counts[name]


Caller = Annotated[Principal, Depends(authorize(WRITE))]


def pipeline_app(stack: RunningStack, calls: Calls) -> FastAPI:
    router = platform_router(["test"], authenticated=False, writes=True)

    @router.post("/things", operation_id="create_thing", status_code=201)
    async def create_thing(uow: Uow, actor: Caller, body: dict[str, Any], response: Response) -> dict[str, Any]:
        run = calls.count("create")
        async with uow:
            await LEDGER.created(
                uow.session, actor, action="thing.created", entity_type="thing", entity_id=str(run), after=body
            )
            await uow.commit()
        response.headers["Location"] = f"things/{run}"
        return {"run": run, **body}

    @router.post("/flaky", operation_id="flaky")
    async def flaky(uow: Uow, actor: Caller) -> dict[str, int]:
        run = calls.count("flaky")
        async with uow:
            if calls.failures_left > 0:
                calls.failures_left -= 1
                # A real error of PostgreSQL's with the SQLSTATE of a deadlock or a serialization failure.
                await uow.session.execute(
                    text(f"DO $$ BEGIN RAISE EXCEPTION 'contention' USING ERRCODE = '{calls.sqlstate}'; END $$")
                )
            await LEDGER.created(uow.session, actor, action="flaky.done", entity_type="flaky", entity_id="1", after={})
            await uow.commit()
        return {"run": run}

    @router.post("/undone-first", operation_id="undone_first")
    async def undone_first(uow: Uow, actor: Caller, marker: str) -> dict[str, int]:
        run = calls.count("undone")
        async with uow:  # writes a row, then ends without committing: the row is undone
            await uow.session.execute(MARKED, {"owner": "marker", "key": f"{marker}-{run}"})
            await LEDGER.created(
                uow.session, actor, action="thing.undone", entity_type="thing", entity_id=str(run), after={}
            )
        if run == 1 and calls.held is not None:
            calls.parked.set()
            await calls.held.wait()
        async with uow:
            await uow.session.execute(MARKED, {"owner": "kept", "key": f"{marker}-{run}"})
            await LEDGER.created(
                uow.session, actor, action="thing.kept", entity_type="thing", entity_id=str(run), after={}
            )
            await uow.commit()
        return {"run": run}

    @router.get("/things/{thing}", operation_id="get_thing")
    async def get_thing(thing: str, response: Response, _actor: Caller) -> dict[str, str]:
        if thing != "without-etag":
            response.headers["ETag"] = '"v1"'
        return {"thing": thing}

    @router.put("/things/{thing}", operation_id="put_thing")
    async def put_thing(uow: Uow, actor: Caller, thing: str, checked: bool = True) -> dict[str, str]:
        async with uow:
            if checked:
                uow.check_precondition('"v1"')
            await LEDGER.changed(
                uow.session, actor, action="thing.put", entity_type="thing", entity_id=thing, before={}, after={}
            )
            await uow.commit()
        return {"thing": thing}

    @router.post(
        "/things/{thing}/moves",
        operation_id="move_thing",
        dependencies=[conditional(read_at="/things/{thing}")],
    )
    async def move_thing(uow: Uow, actor: Caller, thing: str) -> dict[str, str]:
        async with uow:
            await LEDGER.changed(
                uow.session, actor, action="thing.moved", entity_type="thing", entity_id=thing, before={}, after={}
            )
            await uow.commit()  # the guard refuses this commit: If-Match was never checked
        return {"thing": thing}

    engine = create_engine(stack.role_url("participation"), "participation", application_name="pipeline-test")
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *sent: calls.statements.append(sent[2]))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    async def ready() -> dict[str, str]:
        return {}

    app = build_app(
        service="pipeline-test",
        title="pipeline test",
        version="0",
        description="",
        routers=[router],
        lifespan=lifespan,
        max_body_bytes=65536,
        docs_enabled=False,
        readiness_checks=ready,
        with_middleware=False,
    )
    app.state.sessions = create_sessionmaker(engine)
    app.state.clock = SystemClock()
    app.state.token_verifier = verifier_from_settings(
        ISSUER, AUDIENCE, stack.jwks_json(), None, None, None, None, "cdq"
    )
    app.state.ledger = LEDGER
    install_database_problem_handlers(app)
    return app


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
async def client(stack: RunningStack, calls: Calls) -> AsyncIterator[httpx.AsyncClient]:
    app = pipeline_app(stack, calls)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://pipeline.test",
            headers=stack.headers([Role.PLATFORM_ADMIN], subject="pipeline-test"),
        ) as client,
    ):
        yield client


async def _audit_count(stack: RunningStack, action: str) -> int:
    async with stack.runtime_connection("participation") as connection:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM participation.audit_events WHERE action = $1 AND actor_subject = 'pipeline-test'",
            action,
        )
    return count


async def test_a_replay_answers_the_first_response_and_runs_nothing(
    stack: RunningStack, client: httpx.AsyncClient, calls: Calls
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/things", json={"name": "a"}, headers=key)
    again = await client.post("/things", json={"name": "a"}, headers=key)
    assert first.status_code == again.status_code == 201, first.text
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert calls.counts["create"] == 1
    other = await client.post("/things", json={"name": "b"}, headers=key)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert calls.counts["create"] == 1


async def test_a_key_past_its_day_is_the_callers_again(
    stack: RunningStack, client: httpx.AsyncClient, calls: Calls
) -> None:
    key = "expiring-" + uuid.uuid4().hex
    first = await client.post("/things", json={"name": "a"}, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    connection = await asyncpg.connect(stack.role_url("participation").replace("+asyncpg", ""))
    try:  # a day later
        aged = await connection.execute(
            "UPDATE participation.idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1", key
        )
        assert aged == "UPDATE 1"
        other = await client.post("/things", json={"name": "b"}, headers={"Idempotency-Key": key})
        assert other.status_code == 201, other.text  # another request, not a reuse: the key's day is over
        assert other.json() == {"run": 2, "name": "b"}
        assert "idempotent-replayed" not in other.headers
        again = await client.post("/things", json={"name": "b"}, headers={"Idempotency-Key": key})
        assert again.headers["idempotent-replayed"] == "true"  # and the key now holds the new answer
        assert again.content == other.content
        kept = await connection.fetchrow(
            "SELECT expires_at > now() + interval '23 hours' AS fresh, created_at = expires_at - interval '24 hours'"
            " AS dated FROM participation.idempotency_keys WHERE key = $1",
            key,
        )
    finally:
        await connection.close()
    assert kept is not None
    assert kept["fresh"]
    assert kept["dated"]
    assert calls.counts["create"] == 2


async def test_concurrent_duplicates_run_once(client: httpx.AsyncClient, calls: Calls) -> None:
    key = {"Idempotency-Key": "concurrent-" + uuid.uuid4().hex}
    answers = await asyncio.gather(*(client.post("/things", json={"n": 1}, headers=key) for _ in range(6)))
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.content for answer in answers}) == 1
    assert calls.counts["create"] == 1


async def _written(stack: RunningStack, key: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The audit rows of the request keyed `key` (action, run), and the rows its handler marked (owner, key)."""
    async with stack.runtime_connection("participation") as connection:
        audited = await connection.fetch(
            "SELECT action, entity_id FROM participation.audit_events WHERE idempotency_key = $1 ORDER BY action", key
        )
        marked = await connection.fetch(
            "SELECT owner, key FROM participation.idempotency_keys WHERE key LIKE $1 || '-%' ORDER BY owner, key",
            key,
        )
    return [(row["action"], row["entity_id"]) for row in audited], [(row["owner"], row["key"]) for row in marked]


async def test_a_keyed_posts_first_unit_takes_no_savepoint_and_undone_undoes_only_its_part(
    stack: RunningStack, client: httpx.AsyncClient, calls: Calls
) -> None:
    key = "undone-" + uuid.uuid4().hex
    first = await client.post("/undone-first", params={"marker": key}, headers={"Idempotency-Key": key})
    assert first.status_code == 200, first.text
    assert first.json() == {"run": 1}
    # Each unit took no savepoint: the first joined a transaction holding only the key; undone, it rolled
    # the whole transaction back, and the second joined it started again with the key reserved again.
    assert [sent for sent in calls.statements if "SAVEPOINT" in sent] == []
    assert sum("idempotency_keys" in sent and "ON CONFLICT" in sent for sent in calls.statements) == 2
    # The first unit's row and audit row went with it; the second's are kept, with the key's answer.
    assert await _written(stack, key) == ([("thing.kept", "1")], [("kept", f"{key}-1")])
    again = await client.post("/undone-first", params={"marker": key}, headers={"Idempotency-Key": key})
    assert (again.headers["idempotent-replayed"], again.content) == ("true", first.content)
    assert calls.counts["undone"] == 1


async def test_a_key_answered_while_its_request_started_again_is_replayed(
    stack: RunningStack, client: httpx.AsyncClient, calls: Calls
) -> None:
    """Undoing the first unit releases the key: a duplicate may take it and answer before the request
    reserves it again. The request then replays that answer rather than keep a second one."""
    calls.held = asyncio.Event()
    key = "lost-" + uuid.uuid4().hex
    params, headers = {"marker": key}, {"Idempotency-Key": key}
    waiting = asyncio.create_task(client.post("/undone-first", params=params, headers=headers))
    await asyncio.wait_for(calls.parked.wait(), 10)  # its first unit undone: the key free
    duplicate = await client.post("/undone-first", params=params, headers=headers)
    assert duplicate.status_code == 200, duplicate.text
    assert duplicate.json() == {"run": 2}
    calls.held.set()
    replayed = await waiting
    assert (replayed.status_code, replayed.content) == (200, duplicate.content)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert await _written(stack, key) == ([("thing.kept", "2")], [("kept", f"{key}-2")])


async def test_a_malformed_key_is_refused_naming_the_header(client: httpx.AsyncClient) -> None:
    for key, status in (("with space", 400), ("k" * 300, 400), ('"quoted"', 201)):
        answer = await client.post("/things", json={}, headers={"Idempotency-Key": key})
        assert answer.status_code == status, answer.text
        if status != 201:
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_what_postgresql_rolled_back_is_run_again(
    stack: RunningStack, client: httpx.AsyncClient, calls: Calls
) -> None:
    for sqlstate in ("40P01", "40001"):
        calls.failures_left, calls.sqlstate, calls.counts = 2, sqlstate, {}
        answer = await client.post("/flaky")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"run": 3}
    assert await _audit_count(stack, "flaky.done") >= 2


async def test_contention_that_lasts_is_a_503_with_retry_after(client: httpx.AsyncClient, calls: Calls) -> None:
    calls.failures_left = 10
    answer = await client.post("/flaky")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["type"] == "/problems/database-contention"
    assert calls.counts["flaky"] == 3


async def test_if_match_is_required_compared_strongly_and_never_a_wildcard(client: httpx.AsyncClient) -> None:
    assert (await client.put("/things/a")).status_code == 428
    wildcard = await client.put("/things/a", headers={"If-Match": "*"})
    assert wildcard.status_code == 428
    assert "*" in wildcard.json()["detail"]
    weak = await client.put("/things/a", headers={"If-Match": 'W/"v1"'})
    assert weak.status_code == 412
    stale = await client.put("/things/a", headers={"If-Match": '"v0"'})
    assert (stale.status_code, stale.headers["etag"]) == (412, '"v1"')
    assert (await client.put("/things/a", headers={"If-Match": '"v0", "v1"'})).status_code == 200


async def test_a_conditional_write_that_never_checked_its_precondition_is_refused(
    stack: RunningStack, client: httpx.AsyncClient
) -> None:
    before = await _audit_count(stack, "thing.put")
    with pytest.raises(UnguardedWriteError, match="If-Match"):
        await client.put("/things/b", params={"checked": "false"}, headers={"If-Match": '"v1"'})
    with pytest.raises(UnguardedWriteError, match="If-Match"):
        await client.post("/things/c/moves", headers={"If-Match": '"v1"'})
    assert await _audit_count(stack, "thing.put") == before  # nothing was committed


async def test_the_get_that_gives_an_etag_must_send_it(client: httpx.AsyncClient) -> None:
    assert (await client.get("/things/x")).headers["etag"] == '"v1"'
    with pytest.raises(UnguardedWriteError, match="ETag"):
        await client.get("/things/without-etag")


def test_a_write_without_its_audit_event_is_refused() -> None:
    transaction = AmbientTransaction()
    transaction.wrote_tables.update({"idempotency_keys", "audit_events"})
    transaction.check_guards()  # the ledger's own tables need no audit event
    transaction.wrote_tables.add("bodies")
    with pytest.raises(UnguardedWriteError, match="without an audit event"):
        transaction.check_guards()
    transaction.audited = True
    transaction.check_guards()


def test_a_media_type_is_compared_as_http_reads_it() -> None:
    assert media_type_of("application/json; charset=utf-8") == media_type_of("Application/JSON") == "application/json"
    assert media_type_of("application/problem+json;charset=UTF-8") == "application/problem+json"
    assert media_type_of('text/csv; Charset="utf-8"; header=present') == media_type_of(
        "TEXT/CSV;header=present;charset=utf-8"
    )
    assert media_type_of("text/csv; charset=latin-1") != media_type_of("text/csv; charset=utf-8")
    assert media_type_of("text/csv; charset=UTF-8") == media_type_of("text/csv; charset=utf-8")
    assert media_type_of("multipart/form-data; boundary=AbC") != media_type_of("multipart/form-data; boundary=abc")
