"""What participation's use-case tests check besides the records returned: the rule a refusal names, and the
audit events a use case wrote."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from kit.unit_of_work import UnitOfWork
from services.participation.draws.domain import DrawIntegrityError
from services.participation.errors import RuleViolationError
from services.participation.persistence import ledger


@contextmanager
def refused(rule: str) -> Iterator[None]:
    """The block breaks this rule of the domain (a rule violation or a draw's integrity)."""
    with pytest.raises((RuleViolationError, DrawIntegrityError)) as raised:
        yield
    broken = raised.value
    assert isinstance(broken, RuleViolationError | DrawIntegrityError)
    assert broken.rule == rule


async def audited(uow: UnitOfWork, entity_id: uuid.UUID) -> list[str]:
    """The actions the audit log holds on a record, in the order they were written."""
    events = ledger.audit_events
    query = select(events.c.action).where(events.c.entity_id == str(entity_id)).order_by(events.c.audit_event_id)
    async with uow.reading():
        return list((await uow.session.execute(query)).scalars())
