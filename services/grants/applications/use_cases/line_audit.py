"""How a change of a financer's line is kept in the audit trail: its amounts, opinion, comité and decision
with its act, before and after, under the application's version."""

from __future__ import annotations

from typing import Any

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.financing import FinancingLine
from services.grants.applications.models import ApplicationRow, FinancingLineRow
from services.grants.applications.repository import financing_line_of, set_line
from services.grants.persistence import Audited

FINANCING_LINES = Audited("financing_line")


def _line_audit(line: FinancingLine, version: int) -> dict[str, Any]:
    act = line.act
    return {
        "requestedCents": line.requested_cents,
        "proposedCents": line.proposed_cents,
        "committeeId": None if line.committee_id is None else str(line.committee_id),
        "decidedCents": line.decided_cents,
        "opinion": None if line.opinion is None else line.opinion.value,
        "decision": None if line.decision is None else line.decision.value,
        "act": None
        if act is None
        else {
            "kind": None if act.kind is None else act.kind.value,
            "number": act.number,
            "decidedOn": None if act.decided_on is None else act.decided_on.isoformat(),
        },
        "version": version,
    }


async def line_set(
    uow: UnitOfWork,
    actor: Principal,
    application: ApplicationRow,
    stored: FinancingLineRow,
    before: FinancingLine,
    after: FinancingLine,
    *,
    action: str,
    reason: str | None = None,
) -> None:
    """The stored line set from `before` to `after` and audited so, under the version the write gives its
    application (the next one)."""
    set_line(stored, after)
    await FINANCING_LINES.changed(
        uow,
        actor,
        f"{application.application_id}/{stored.institution_id}",
        action=action,
        before=_line_audit(before, application.version),
        after=_line_audit(after, application.version + 1),
        reason=reason,
    )


async def line_withdrawn(
    uow: UnitOfWork, actor: Principal, application: ApplicationRow, stored: FinancingLineRow
) -> None:
    """A line the corrected budget no longer asks, audited with what it held (opinion, proposal, decision)
    before it goes; the caller deletes it."""
    await FINANCING_LINES.changed(
        uow,
        actor,
        f"{application.application_id}/{stored.institution_id}",
        action="financing_line.withdrawn",
        before=_line_audit(financing_line_of(stored), application.version),
        after=None,
        reason="the budget submitted no longer asks this financer",
    )
