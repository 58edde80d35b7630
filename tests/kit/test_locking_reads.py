"""A locking read gives rows as they are once locked (kit.database.PlatformSession), and keeps the changes
the session made before it."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.database import create_engine, create_sessionmaker
from tests.running_stack import RunningStack


class _Base(DeclarativeBase):
    pass


class _Tranche(_Base):
    __tablename__ = "lock_probe"
    __table_args__ = ({"prefixes": ("TEMPORARY",)},)

    tranche_id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str]


async def test_locking_reads_refresh_and_keep_what_the_session_changed(stack: RunningStack) -> None:
    # One connection, whose temporary table the sessions share.
    engine = create_engine(stack.role_url("participation"), "participation", application_name="test", pool_size=1)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            connection = await session.connection()
            await connection.run_sync(_Base.metadata.create_all)
            session.add(_Tranche(tranche_id=1, status="planned"))
        async with sessions() as session, session.begin():
            tranche = await session.get(_Tranche, 1)
            assert tranche is not None
            # Another writer pays it meanwhile (here, the same connection behind the session's back).
            await session.execute(text("UPDATE lock_probe SET status = 'paid' WHERE tranche_id = 1"))
            locked = (
                await session.execute(select(_Tranche).where(_Tranche.tranche_id == 1).with_for_update())
            ).scalar_one()
            assert locked is tranche
            assert locked.status == "paid"  # as it is once locked, not as first read
            locked.status = "failed"  # changed, not sent (no autoflush)…
            again = (await session.execute(select(_Tranche).with_for_update())).scalar_one()
            assert again.status == "failed"  # …and kept by the next locking read, which sends it first
        async with sessions() as session:
            assert (await session.execute(text("SELECT status FROM lock_probe"))).scalar_one() == "failed"
    finally:
        await engine.dispose()
