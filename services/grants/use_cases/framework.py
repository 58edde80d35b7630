"""A contract's strategic framework: read by those who work on the contract, replaced by its pilots."""

from __future__ import annotations

from collections import Counter
from typing import Any

from kit.auth.principal import Principal
from kit.etags import etag_of_content
from kit.tenancy import ContractRegistry, require_contract
from kit.unit_of_work import UnitOfWork
from services.grants.db.models import ObjectiveRow
from services.grants.db.repositories import FrameworkRepository
from services.grants.domain.framework import Objective, framework_from_document
from services.grants.errors import NotBoundError, NotFoundError
from services.grants.persistence import ledger


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


def framework_etag(contract_code: str, rows: list[ObjectiveRow]) -> str:
    """A contract's tree carries no version: the digest of its nodes (an empty tree has one too)."""
    return etag_of_content(
        contract_code,
        *sorted(
            f"{row.objective_id}:{row.parent_id}:{row.position}:{row.level}:{row.code}:{row.label}:"
            f"{row.p147_theme}:{row.pillar}"
            for row in rows
        ),
    )


async def replace_framework(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, contract_code: str, document: Any
) -> dict[str, int]:
    """The whole tree at once; objectives kept keep their ids. Counts per level, and how many were removed."""
    if not actor.works_on(contract_code):
        raise NotBoundError(contract_code)
    await require_contract(registry, contract_code)
    objectives = framework_from_document(contract_code, document)
    async with uow:
        repository = FrameworkRepository(uow.session)
        await repository.lock(contract_code)
        held = await repository.of_contract(contract_code)
        uow.check_precondition(framework_etag(contract_code, held))
        _, deleted = await repository.replace(contract_code, [_row(item) for item in objectives])
        counts = dict(Counter(item.level.value for item in objectives))
        await ledger.changed(
            uow.session,
            actor,
            action="framework.replaced",
            entity_type="strategic_framework",
            entity_id=contract_code,
            before={"codes": [row.code for row in held], **Counter(row.level for row in held)},
            after={"codes": [item.code for item in objectives], **counts, "removed": deleted},
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
