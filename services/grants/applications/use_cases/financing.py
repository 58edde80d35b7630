"""A financer's own line of an application: its opinion, proposed and decided amounts, and decision."""

from __future__ import annotations

import uuid
from typing import Any

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import ApplicationView
from services.grants.applications.domain.financing import FinancingLine, changed_line
from services.grants.applications.domain.workflow import State, check_line_editable, check_line_setter
from services.grants.applications.repository import ApplicationRepository, financing_line_of, set_line
from services.grants.applications.use_cases.access import application_etag, application_view, visible_application
from services.grants.errors import NotFoundError
from services.grants.institutions.repository import InstitutionRepository
from services.grants.persistence import Audited

FINANCING_LINES = Audited("financing_line")


def _audit(line: FinancingLine, version: int) -> dict[str, Any]:
    return {
        "proposedCents": line.proposed_cents,
        "decidedCents": line.decided_cents,
        "opinion": None if line.opinion is None else line.opinion.value,
        "decision": None if line.decision is None else line.decision.value,
        "version": version,
    }


async def set_financing_line(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    changes: dict[str, Any],
) -> ApplicationView:
    """A financer's own line: its opinion, proposed and decided amounts, and decision."""
    async with uow:
        row = await visible_application(uow, actor, application_id, for_update=True)
        await uow.changes_contract(row.contract_code)
        institution = await InstitutionRepository(uow.session).get(institution_id)
        repository = ApplicationRepository(uow.session)
        lines = {line.institution_id: line for line in await repository.financing(application_id, for_update=True)}
        if institution is None or institution_id not in lines:
            raise NotFoundError("financing line", str(institution_id))
        check_line_setter(actor, institution.code, institution.nom)
        uow.check_precondition(application_etag(row))
        check_line_editable(State(row.state))
        stored = lines[institution_id]
        before = financing_line_of(stored)
        after = changed_line(before, changes, institution.nom)
        set_line(stored, after)
        row.version += 1
        await FINANCING_LINES.changed(
            uow,
            actor,
            f"{application_id}/{institution_id}",
            action="financing_line.set",
            before=_audit(before, row.version - 1),
            after=_audit(after, row.version),
        )
        await uow.session.flush()
        view = await application_view(uow, row)
        await uow.commit()
    return view
