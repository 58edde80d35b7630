"""The programmation as the pilot and the State read it: filtered tables and totals (SQL)."""

from __future__ import annotations

from typing import Any

from kit.auth.principal import Principal
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.db.repositories import ProgrammationFilter, ProgrammationViews
from services.grants.errors import ForbiddenMoveError, NotFoundError
from services.grants.use_cases.programmation import READERS


def _may_read(actor: Principal, contract_code: str) -> None:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    if not actor.roles & READERS:
        raise ForbiddenMoveError("the programmation is read by the contract's pilots, the State and the financers")


async def table(
    uow: UnitOfWork, actor: Principal, chosen: ProgrammationFilter, page: PageRequest
) -> tuple[list[Any], list[Any], int]:
    _may_read(actor, chosen.contract_code)
    async with uow.reading():
        return await ProgrammationViews(uow.session).rows(chosen, page)


async def totals(uow: UnitOfWork, actor: Principal, chosen: ProgrammationFilter) -> dict[str, list[Any]]:
    _may_read(actor, chosen.contract_code)
    async with uow.reading():
        return await ProgrammationViews(uow.session).totals(chosen)
