"""A financer's own line of an application: its opinion and proposed amount while it is instructed, then
its decision by the financer's own act, which decides the application once every financer has decided."""

from __future__ import annotations

import uuid
from typing import Any

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import ApplicationView
from services.grants.applications.domain.financing import Deciding, changed_line, decided_by_act
from services.grants.applications.domain.workflow import (
    State,
    check_line_decidable,
    check_line_decider,
    check_line_editable,
    check_line_setter,
    data_parts,
)
from services.grants.applications.models import ApplicationRow, FinancingLineRow
from services.grants.applications.repository import ApplicationRepository, financing_line_of
from services.grants.applications.use_cases.access import application_etag, application_view, visible_application
from services.grants.applications.use_cases.line_audit import line_set
from services.grants.applications.use_cases.workflow import settle
from services.grants.errors import NotFoundError
from services.grants.institutions.domain import Institution
from services.grants.institutions.repository import institution_of


async def _line(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, institution_id: uuid.UUID
) -> tuple[ApplicationRow, FinancingLineRow, Institution, list[FinancingLineRow]]:
    """The application and its financer's line, both locked, if the caller reads the application; with all
    its lines (locked too)."""
    row = await visible_application(uow, actor, application_id, for_update=True)
    # A line and its application's amounts and outcome (a decided file stays live).
    await uow.changes_contract(row.contract_code, data_parts(row.call_id, row.year, State(row.state), State.DECIDED))
    repository = ApplicationRepository(uow.session)
    lines, asked = await repository.financing_with_financer(application_id, institution_id)
    if asked is None:
        raise NotFoundError("financing line", str(institution_id))
    stored, institution = asked
    return row, stored, institution_of(institution), lines


async def set_financing_line(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    changes: dict[str, Any],
) -> ApplicationView:
    """A financer's own line while it is instructed: its opinion and proposed amount."""
    async with uow:
        row, stored, institution, _lines = await _line(uow, actor, application_id, institution_id)
        check_line_setter(actor, institution.code, institution.nom)
        uow.check_precondition(application_etag(row))
        check_line_editable(State(row.state))
        before = financing_line_of(stored)
        after = changed_line(before, changes, institution.nom)
        await line_set(uow, actor, row, stored, before, after, action="financing_line.set")
        row.version += 1
        await uow.session.flush()
        view = await application_view(uow, row)
        await uow.commit()
    return view


async def decide_line(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, institution_id: uuid.UUID, deciding: Deciding
) -> ApplicationView:
    """The financer's decision of its own line by its act (kind, number, date), beside the amount the comité
    proposed; the last financer's decision decides the proposed application."""
    async with uow:
        row, stored, institution, lines = await _line(uow, actor, application_id, institution_id)
        check_line_decider(actor, institution.code, institution.nom)
        uow.check_precondition(application_etag(row))
        check_line_decidable(State(row.state))
        before = financing_line_of(stored)
        after = decided_by_act(before, deciding, institution.nom, institution.is_state_p147, uow.today())
        await line_set(uow, actor, row, stored, before, after, action="financing_line.decided")
        row.version += 1
        # The lines as they now are, read with the application: settling reads none again, and the one flush
        # writes the application's version with its move, if the decision settles it.
        await settle(uow, actor, row, f"décision de {institution.nom}", lines)
        view = await application_view(uow, row)
        await uow.commit()
    return view
