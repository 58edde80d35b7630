"""The programmation as the pilot and the State read it (filtered tables and totals), and as the public
reads its totals of notified decisions."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError

from identity.principal import Principal
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.workflow import State
from services.grants.errors import ForbiddenMoveError, NotFoundError
from services.grants.programmation.domain.scenarios import reads_programmation
from services.grants.programmation.domain.tables import ProgrammationFilter, Totals
from services.grants.programmation.repository.views import ProgrammationViews

logger = logging.getLogger(__name__)


def _may_read(actor: Principal, contract_code: str) -> None:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    if not reads_programmation(actor, contract_code):
        raise ForbiddenMoveError("the programmation is read by the contract's pilots, the State and the financers")


async def table(uow: UnitOfWork, actor: Principal, chosen: ProgrammationFilter, page: PageRequest) -> tuple[str, int]:
    """A page of the table as the JSON array of its items (written by PostgreSQL), and the total."""
    _may_read(actor, chosen.contract_code)
    async with uow.reading():
        return await ProgrammationViews(uow.session).page_json(chosen, page, uow.counts)


async def totals(uow: UnitOfWork, actor: Principal, chosen: ProgrammationFilter) -> Totals:
    _may_read(actor, chosen.contract_code)
    async with uow.reading():
        views = ProgrammationViews(uow.session)
        figures = await views.totals(chosen)
    if views.compaction_due is not None:
        # The sums its writes kept since the last compaction, folded (bookkeeping: no figure changes). The
        # figures are read: a folding that fails (a lock waited too long) is left to the next reading.
        try:
            async with uow.alone():
                await ProgrammationViews(uow.session).compact_sums(views.compaction_due)
        except DBAPIError:
            logger.warning("the programmation's sums of a contract were not folded", exc_info=True)
    return figures


def notified_in(contract_code: str, year: int) -> ProgrammationFilter:
    """A year's notified decisions: what was decided and made known."""
    return ProgrammationFilter(contract_code=contract_code, year=year, state=State.NOTIFIED.value)


async def public_totals(uow: UnitOfWork, contract_code: str, year: int) -> Totals:
    """The totals of the year's notified decisions (public: organisations and amounts only)."""
    async with uow.reading():
        return await ProgrammationViews(uow.session).totals(notified_in(contract_code, year))
