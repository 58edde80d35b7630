"""Audit rows are noted during a transaction and written before it commits: exactly those of what committed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.principal import Principal
from kit.audit import record_audit
from kit.combined_writes import WritePart, combined
from kit.database import create_engine, create_sessionmaker
from kit.ledger import Ledger
from kit.noted_audit import AuditInReadError
from kit.outbox import EventCatalogue, EventType, SubjectSource, write_pending
from kit.unit_of_work import UnitOfWork
from services.participation.persistence import ledger
from tests.running_stack import RunningStack

ACTOR = Principal(subject="noted-audit-test", kind="user", institution="cua")
# A probe's event names its contract by the probe's id (the outbox row's contract_code).
PUBLISHING = Ledger.on(
    MetaData(schema="participation"),
    EventCatalogue({"probe.published": EventType("probe.published")}, {}, {"probe": SubjectSource.of_contract()}),
)


@pytest.fixture
async def sessions(stack: RunningStack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(stack.role_url("participation"), "participation", application_name="test", pool_size=1)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _trail(stack: RunningStack, entity_id: str) -> list[tuple[str, str | None, str | None]]:
    """(action, JSON type of `before`, of `after`) of the entity's audit rows, in the order written."""
    async with stack.runtime_connection("participation") as connection:
        rows = await connection.fetch(
            "SELECT action, jsonb_typeof(before) AS before, jsonb_typeof(after) AS after"
            " FROM participation.audit_events WHERE entity_id = $1 ORDER BY audit_event_id",
            entity_id,
        )
    return [(row["action"], row["before"], row["after"]) for row in rows]


async def _record(session: AsyncSession, action: str, entity_id: str) -> None:
    await record_audit(session, ledger.audit_events, ACTOR, action, "probe", entity_id, after={"action": action})


async def test_a_commit_writes_what_was_noted_in_order_but_a_savepoint_rolled_back(
    stack: RunningStack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    probe = str(uuid.uuid4())
    async with sessions() as session, session.begin():  # a plain commit: no outbox to carry the rows
        await _record(session, "probe.first", probe)
        undone = await session.begin_nested()
        await _record(session, "probe.undone", probe)
        await undone.rollback()
        kept = await session.begin_nested()
        await _record(session, "probe.released", probe)
        await kept.commit()
        await _record(session, "probe.last", probe)
        assert await _trail(stack, probe) == []  # noted, not written yet: no round trip of their own
    assert await _trail(stack, probe) == [
        ("probe.first", "null", "object"),  # no `before`: JSON null, as the trail always held it
        ("probe.released", "null", "object"),
        ("probe.last", "null", "object"),
    ]


async def _noted_then_failed(session: AsyncSession, probe: str) -> None:
    async with session.begin():
        await _record(session, "probe.rolled_back", probe)
        raise LookupError


async def test_a_rolled_back_transaction_leaves_nothing_for_the_next(
    stack: RunningStack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    probe = str(uuid.uuid4())
    async with sessions() as session:
        with pytest.raises(LookupError):
            await _noted_then_failed(session, probe)
        async with session.begin():
            await _record(session, "probe.after", probe)
    assert [action for action, _, _ in await _trail(stack, probe)] == ["probe.after"]


async def test_a_unit_of_work_writes_them_with_its_commit_and_a_reading_one_refuses_them(
    stack: RunningStack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    probe = str(uuid.uuid4())
    uow = UnitOfWork(sessions)
    async with uow:
        await _record(uow.session, "probe.committed", probe)
        await uow.commit()
    async with uow:
        await _record(uow.session, "probe.never_committed", probe)
    async with uow.reading():
        with pytest.raises(AuditInReadError):
            await _record(uow.session, "probe.read", probe)
    assert [action for action, _, _ in await _trail(stack, probe)] == ["probe.committed"]


async def test_a_savepoint_rolled_back_publishes_none_of_its_events(
    stack: RunningStack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    probe = "PROBE-" + uuid.uuid4().hex

    async def publish(session: AsyncSession, entity_id: str) -> None:
        await PUBLISHING.created(
            session, ACTOR, action="probe.published", entity_type="probe", entity_id=entity_id, after={}
        )

    async with sessions() as session, session.begin():
        await publish(session, probe + "-kept")
        undone = await session.begin_nested()
        await publish(session, probe + "-undone")
        await undone.rollback()
        await write_pending(session)  # the audit rows in the statement of an event
    async with stack.runtime_connection("participation") as connection:
        published = await connection.fetch(
            "SELECT contract_code FROM participation.outbox_events WHERE contract_code LIKE $1", probe + "%"
        )
    assert [row["contract_code"] for row in published] == [probe + "-kept"]
    assert await _trail(stack, probe + "-kept") == [("probe.published", "null", "object")]
    assert await _trail(stack, probe + "-undone") == []


async def test_a_plain_commit_writes_the_events_left_and_the_next_transaction_none_of_them(
    stack: RunningStack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    probe = "PROBE-" + uuid.uuid4().hex
    async with sessions() as session:
        async with session.begin():  # a script's commit: nobody calls write_pending
            await PUBLISHING.created(
                session, ACTOR, action="probe.published", entity_type="probe", entity_id=probe, after={}
            )
        async with session.begin():
            await record_audit(session, ledger.audit_events, ACTOR, "probe.next", "probe", probe, after={})
    async with stack.runtime_connection("participation") as connection:
        published = await connection.fetch(
            "SELECT position FROM participation.outbox_events WHERE contract_code = $1", probe
        )
    assert len(published) == 1  # written by its own transaction's commit, not again by the next one
    assert [action for action, _, _ in await _trail(stack, probe)] == ["probe.published", "probe.next"]


def test_combined_writes_refuse_two_parts_binding_one_name() -> None:
    first = WritePart("first_written", "INSERT INTO t VALUES (:shared)", {"shared": 1})
    second = WritePart("second_written", "INSERT INTO u VALUES (:shared)", {"shared": 2})
    with pytest.raises(ValueError, match="shared"):
        combined([first, second])


async def test_notes_are_never_written_inside_a_savepoint(
    stack: RunningStack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Written inside a savepoint, the rows noted before it would go if it were rolled back."""
    probe = str(uuid.uuid4())
    async with sessions() as session, session.begin():
        await _record(session, "probe.before_the_savepoint", probe)
        inner = await session.begin_nested()
        with pytest.raises(RuntimeError, match="not inside a savepoint"):
            await write_pending(session)
        await inner.rollback()
    assert [action for action, _, _ in await _trail(stack, probe)] == ["probe.before_the_savepoint"]
