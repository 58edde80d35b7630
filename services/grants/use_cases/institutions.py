"""Financers and partners of a contract: read by those who work on it, registered by its pilots."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from kit.auth.principal import Principal
from kit.tenancy import ContractRegistry, require_contract
from kit.unit_of_work import UnitOfWork
from services.grants.db.models import InstitutionRow
from services.grants.db.repositories import InstitutionRepository
from services.grants.domain.institutions import DEFAULT_SUBLINE, SUBLINES, Institution, InstitutionKind
from services.grants.errors import ConflictError, NotBoundError, NotFoundError, RuleViolationError
from services.grants.operators.domain import check_siret
from services.grants.persistence import ledger

_SEED_NAMESPACE = uuid.UUID("a3d1c6e2-1f0b-4b55-8e1e-7a4d2c9b6f10")


def institution_from_row(row: InstitutionRow) -> Institution:
    return Institution(
        institution_id=row.institution_id,
        contract_code=row.contract_code,
        code=row.code,
        nom=row.nom,
        kind=InstitutionKind(row.kind),
        cerfa_subline=row.cerfa_subline,
        dauphin_funder_title=row.dauphin_funder_title,
        version=row.version,
        siret=row.siret,
    )


def _columns(institution: Institution) -> dict[str, Any]:
    return {**asdict(institution), "kind": institution.kind.value}


def _snapshot(institution: Institution) -> dict[str, Any]:
    return {key: str(value) for key, value in asdict(institution).items()}


async def list_institutions(uow: UnitOfWork, actor: Principal, contract_code: str) -> list[Institution]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return [institution_from_row(row) for row in await InstitutionRepository(uow.session).list(contract_code)]


async def register_institution(
    uow: UnitOfWork,
    registry: ContractRegistry,
    actor: Principal,
    institution: Institution,
) -> Institution:
    if not actor.works_on(institution.contract_code):
        raise NotBoundError(institution.contract_code)
    if institution.cerfa_subline not in SUBLINES:
        raise RuleViolationError("cerfaSubline", "cerfa-subline", f"cerfaSubline must be one of {sorted(SUBLINES)}")
    if institution.siret is not None:
        check_siret(institution.siret)
    await require_contract(registry, institution.contract_code)
    async with uow:
        repository = InstitutionRepository(uow.session)
        if await repository.by_code(institution.contract_code, institution.code) is not None:
            raise ConflictError(f"institution {institution.code} exists in {institution.contract_code}")
        await repository.add(InstitutionRow(**_columns(institution)))
        await ledger.created(
            uow.session,
            actor,
            action="institution.registered",
            entity_type="institution",
            entity_id=str(institution.institution_id),
            after=_snapshot(institution),
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
                await repository.add(InstitutionRow(**_columns(institution)))
                created += 1
        await uow.commit()
    return created
