"""A contract's strategic framework: read by those who work on it, replaced by its pilots; and the reference
data shipped with grants (the CU d'Arras's framework and financers), loaded once."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from identity.contracts import ContractRegistry, require_contract
from identity.principal import Principal
from kit.etags import etag_of_content
from kit.unit_of_work import UnitOfWork
from services.grants.calls.use_cases import load_scheme_envelopes, scheme_envelopes_from_document
from services.grants.errors import NotBoundError, NotFoundError
from services.grants.framework.domain import Objective, framework_from_document
from services.grants.framework.repository import FrameworkRepository
from services.grants.institutions.use_cases import load_institutions, seeded_institutions
from services.grants.persistence import Audited

FRAMEWORKS = Audited("strategic_framework")

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CUA_CONTRACT = "CV-200033579-2024"


async def get_framework(uow: UnitOfWork, actor: Principal, contract_code: str) -> list[Objective]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await FrameworkRepository(uow.session).of_contract(contract_code)


def framework_etag(contract_code: str, objectives: list[Objective]) -> str:
    """A contract's tree carries no version: the digest of its nodes (an empty tree has one too)."""
    return etag_of_content(
        contract_code,
        *sorted(
            f"{item.objective_id}:{item.parent_id}:{item.position}:{item.level}:{item.code}:{item.label}:"
            f"{item.p147_theme}:{item.pillar}"
            for item in objectives
        ),
    )


def _counts(objectives: list[Objective]) -> dict[str, int]:
    return dict(Counter(item.level.value for item in objectives))


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
        deleted = await repository.replace(contract_code, objectives)
        counts = _counts(objectives)
        await FRAMEWORKS.changed(
            uow,
            actor,
            contract_code,
            action="framework.replaced",
            before={"codes": [item.code for item in held], **_counts(held)},
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
        await repository.replace(contract_code, objectives)
        await uow.commit()
    return len(objectives)


@dataclass(frozen=True, slots=True)
class GrantsReferenceReport:
    objectives: int
    institutions: int
    scheme_envelopes: int


async def import_grants_reference(uow: UnitOfWork, data_dir: Path = DATA_DIR) -> GrantsReferenceReport:
    """The CU d'Arras's framework and financers (data/README.md), loaded once: what the pilots changed
    since is left as they left it."""
    framework = json.loads((data_dir / "cua_strategic_framework.json").read_text(encoding="utf-8"))
    institutions = json.loads((data_dir / "cua_institutions.json").read_text(encoding="utf-8"))
    schemes = json.loads((data_dir / "cua_schemes.json").read_text(encoding="utf-8"))
    return GrantsReferenceReport(
        objectives=await load_framework(uow, CUA_CONTRACT, framework),
        institutions=await load_institutions(uow, seeded_institutions(institutions)),
        scheme_envelopes=await load_scheme_envelopes(uow, scheme_envelopes_from_document(schemes)),
    )
