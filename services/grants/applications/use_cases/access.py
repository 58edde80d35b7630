"""Reading an application: who sees it (an operator's users only their organisation's, others answer like
missing ones), how it reads back, and its ETag."""

from __future__ import annotations

import uuid

from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import Application, ApplicationView, LineView
from services.grants.applications.domain.workflow import State
from services.grants.applications.models import ApplicationRow
from services.grants.applications.repository import ApplicationRepository, application_of
from services.grants.errors import NotFoundError
from services.grants.operators.domain import own_organisations, seen, sees_records_of
from services.grants.persistence import Audited

APPLICATIONS = Audited("application")


async def visible_application(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, *, for_update: bool = False
) -> ApplicationRow:
    """The application's row, if the caller reads it (inside the caller's unit of work)."""
    row = await ApplicationRepository(uow.session).get(application_id, for_update=for_update)
    return seen(actor, row, "application", application_id)


def application_etag(application: Application | ApplicationRow) -> str:
    """One version for the application and what is written through it (budget, financing lines)."""
    return etag_of(str(application.application_id), application.version)


async def application_view(uow: UnitOfWork, row: ApplicationRow) -> ApplicationView:
    """The application with its budget, its financers' lines (in the order of their codes) and its history,
    as it reads back with the caller's changes (flushed first): one statement, as a read."""
    await uow.session.flush()
    view = await ApplicationRepository(uow.session).view(row.application_id)
    if view is None:
        raise NotFoundError("application", str(row.application_id))
    return view


async def get_application(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> ApplicationView:
    """The application as it reads back (one statement), if the caller reads it."""
    async with uow.reading():
        view = await ApplicationRepository(uow.session).view(application_id)
    if view is None:
        raise NotFoundError("application", str(application_id))
    seen(actor, view.application, "application", application_id)
    return view


async def application_json(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> tuple[str, str]:
    """The application as the JSON PostgreSQL writes of it (ApplicationRead, as `get_application` reads it
    back), and its ETag, if the caller reads it."""
    async with uow.reading():
        found = await ApplicationRepository(uow.session).record_json(application_id)
    if found is None or not sees_records_of(actor, found[1], found[2]):
        raise NotFoundError("application", str(application_id))
    return found[0], etag_of(str(application_id), found[3])


async def get_financing_line(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, institution_id: uuid.UUID
) -> tuple[ApplicationView, LineView]:
    """A financer's line as the application reads back, if the caller reads the application (another
    organisation's, or a line the application does not have, answers like a missing one)."""
    view = await get_application(uow, actor, application_id)
    line = next((item for item in view.lines if item.line.institution_id == institution_id), None)
    if line is None:
        raise NotFoundError("financing line", f"{application_id}/{institution_id}")
    return view, line


async def list_applications(
    uow: UnitOfWork,
    actor: Principal,
    contract_code: str,
    call_id: uuid.UUID | None,
    state: State | None,
    page: PageRequest,
) -> tuple[str, int]:
    """A page of the contract's applications as the JSON array of its summaries, and the total."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await ApplicationRepository(uow.session).summaries_json(
            contract_code, own_organisations(actor), call_id, state.value if state else None, page, uow.counts
        )


async def application_for(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, *, for_update: bool = False
) -> Application:
    """The application (locked when `for_update`), if the caller reads it: what the features that work on
    an application (its instruction, payments, reports) read of it."""
    return application_of(await visible_application(uow, actor, application_id, for_update=for_update))
