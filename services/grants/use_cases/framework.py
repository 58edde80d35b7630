"""A contract's strategic framework: read by those who work on the contract, replaced by its pilots."""

from __future__ import annotations

from collections import Counter
from typing import Any

from kit.auth.principal import Principal
from kit.database import UnitOfWork
from kit.tenancy import ContractRegistry, require_contract
from services.grants.db.base import ledger
from services.grants.db.models import ObjectiveRow
from services.grants.db.repositories import FrameworkRepository
from services.grants.domain.errors import NotBoundError, NotFoundError
from services.grants.domain.framework import Objective, framework_from_document


def _row(objective: Objective) -> dict[str, Any]:
    return {
        "objective_id": objective.objective_id,
        "contract_code": objective.contract_code,
        "level": objective.level.value,
        "code": objective.code,
        "label": objective.label,
        "parent_id": objective.parent_id,
        "position": objective.position,
        "p147_theme": objective.p147_theme,
        "pillar": objective.pillar.value if objective.pillar else None,
        "source_line": objective.source_line,
    }


async def get_framework(uow: UnitOfWork, actor: Principal, contract_code: str) -> list[ObjectiveRow]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await FrameworkRepository(uow.session).of_contract(contract_code)


async def replace_framework(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, contract_code: str, document: Any
) -> dict[str, int]:
    """The whole tree at once; objectives kept keep their ids. Counts per level, and how many were removed."""
    if not actor.works_on(contract_code):
        raise NotBoundError(contract_code)
    await require_contract(registry, contract_code)
    objectives = framework_from_document(contract_code, document)
    async with uow:
        _, deleted = await FrameworkRepository(uow.session).replace(contract_code, [_row(item) for item in objectives])
        counts = dict(Counter(item.level.value for item in objectives))
        await ledger.changed(
            uow.session,
            actor,
            action="framework.replaced",
            entity_type="strategic_framework",
            entity_id=contract_code,
            before={},
            after={**counts, "removed": deleted},
        )
        await uow.commit()
    return {**counts, "removed": deleted}


async def load_framework(uow: UnitOfWork, contract_code: str, document: Any) -> int:
    """The shipped framework, once: a contract whose pilots already hold a framework keeps it as it is.
    (No registry check: the reference import runs before the services.)"""
    objectives = framework_from_document(contract_code, document)
    async with uow:
        repository = FrameworkRepository(uow.session)
        if await repository.of_contract(contract_code):
            return 0
        await repository.replace(contract_code, [_row(item) for item in objectives])
        await uow.commit()
    return len(objectives)
