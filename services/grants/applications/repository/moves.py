"""The statement writing an application's move through its workflow."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from services.grants.applications.models import ApplicationEventRow, ApplicationRow

_APPLICATIONS = cast(Table, ApplicationRow.__table__)
_EVENTS = cast(Table, ApplicationEventRow.__table__)


async def write_move(
    session: AsyncSession, row: ApplicationRow, columns: Mapping[str, Any], event: Mapping[str, Any]
) -> None:
    """The application's new `columns` (its state, version and what the move sets) and its workflow `event`
    in ONE statement, the UPDATE in the WITH of the event's INSERT, where the ORM's flush sent two. The row
    then holds those columns as written: the session sends them no second time."""
    moved = (
        update(_APPLICATIONS)
        .where(_APPLICATIONS.c.application_id == row.application_id)
        .values(dict(columns))
        .cte("moved")
    )
    # The event's id is given: the column's Python default is not applied to this INSERT (without it, the
    # second event of a file is refused as a conflict).
    await session.execute(
        insert(_EVENTS).values({"event_id": uuid.uuid4(), "application_id": row.application_id, **event}).add_cte(moved)
    )
    for key, value in columns.items():
        set_committed_value(row, key, value)
