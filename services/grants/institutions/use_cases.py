"""Financers and partners of a contract: read by those who work on it, registered by its pilots."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from identity.contracts import ContractRegistry, require_contract
from identity.principal import Principal
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.errors import ConflictError, NotBoundError, NotFoundError
from services.grants.institutions.domain import DEFAULT_SUBLINE, Institution, InstitutionKind, check_institution
from services.grants.institutions.models import InstitutionRow
from services.grants.institutions.repository import InstitutionRepository
from services.grants.persistence import Audited

INSTITUTIONS = Audited("institution")

_SEED_NAMESPACE = uuid.UUID("a3d1c6e2-1f0b-4b55-8e1e-7a4d2c9b6f10")


def _row(institution: Institution) -> InstitutionRow:
    return InstitutionRow(**{**asdict(institution), "kind": institution.kind.value})


async def list_institutions(
    uow: UnitOfWork, actor: Principal, contract_code: str, page: PageRequest
) -> tuple[Sequence[Institution], int]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await InstitutionRepository(uow.session).page(contract_code, page)


async def register_institution(
    uow: UnitOfWork,
    registry: ContractRegistry,
    actor: Principal,
    institution: Institution,
) -> Institution:
    if not actor.works_on(institution.contract_code):
        raise NotBoundError(institution.contract_code)
    check_institution(institution)
    await require_contract(registry, institution.contract_code)
    async with uow:
        if await InstitutionRepository(uow.session).by_code(institution.contract_code, institution.code) is not None:
            raise ConflictError(f"institution {institution.code} exists in {institution.contract_code}")
        await INSTITUTIONS.created(
            uow,
            actor,
            str(institution.institution_id),
            action="institution.registered",
            after={key: str(value) for key, value in asdict(institution).items()},
            row=_row(institution),
        )
        await uow.commit()
    return institution


def seeded_institutions(document: dict[str, Any]) -> list[Institution]:
    contract_code = document["contractCode"]
    return [
        Institution(
            institution_id=uuid.uuid5(_SEED_NAMESPACE, f"{contract_code}/{item['code']}"),
            contract_code=contract_code,
            code=item["code"],
            nom=item["nom"],
            kind=InstitutionKind(item["kind"]),
            cerfa_subline=item.get("cerfaSubline") or DEFAULT_SUBLINE[InstitutionKind(item["kind"])],
            dauphin_funder_title=item.get("dauphinFunderTitle"),
        )
        for item in document["institutions"]
    ]


async def load_institutions(uow: UnitOfWork, institutions: list[Institution]) -> int:
    """The shipped financers; those registered already are left as they are."""
    created = 0
    async with uow:
        repository = InstitutionRepository(uow.session)
        for institution in institutions:
            if await repository.by_code(institution.contract_code, institution.code) is None:
                await repository.add(_row(institution))
                created += 1
        await uow.commit()
    return created
