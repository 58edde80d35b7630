"""Operators: registered by the contract's pilots and the State; an operator's users see and edit only
their own organisation (bound in their token), and another organisation answers like a missing one."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from typing import Any

from kit.auth.principal import Principal, Role
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.tenancy import ContractRegistry, require_contract
from kit.unit_of_work import UnitOfWork
from services.grants.db.models import OperatorRow
from services.grants.db.repositories import OperatorRepository
from services.grants.domain.operators import Operator, OperatorProfile, check_operator
from services.grants.errors import ConflictError, NotBoundError, NotFoundError
from services.grants.persistence import ledger

# Roles that see every operator of the contracts they work on; others only their own organisations.
CONTRACT_WIDE = frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER, Role.AUDITOR})


def operator_from_row(row: OperatorRow) -> Operator:
    return Operator(
        operator_id=row.operator_id,
        contract_code=row.contract_code,
        nom=row.nom,
        siret=row.siret,
        rna=row.rna,
        legal_form=row.legal_form,
        address=row.address,
        code_commune=row.code_commune,
        profile=OperatorProfile(row.profile),
        dauphin_tiers=row.dauphin_tiers,
        version=row.version,
    )


def _columns(operator: Operator) -> dict[str, Any]:
    return {**asdict(operator), "profile": operator.profile.value, "siren": operator.siren}


def _snapshot(operator: Operator) -> dict[str, Any]:
    return {key: None if value is None else str(value) for key, value in asdict(operator).items()}


def sees_records_of(actor: Principal, contract_code: str, operator_id: uuid.UUID) -> bool:
    """Whether the caller reads an operator's records (applications, conventions) in a contract."""
    own = own_organisations(actor)
    return actor.works_on(contract_code) and (own is None or operator_id in own)


def own_organisations(actor: Principal) -> set[uuid.UUID] | None:
    """None when the caller sees every operator of its contracts; else the operators bound to it."""
    if actor.roles & CONTRACT_WIDE:
        return None
    bound = set()
    for value in actor.organisations:
        try:
            bound.add(uuid.UUID(value))
        except ValueError:
            continue
    return bound


def can_see(actor: Principal, row: OperatorRow) -> bool:
    own = own_organisations(actor)
    return actor.works_on(row.contract_code) and (own is None or row.operator_id in own)


async def list_operators(
    uow: UnitOfWork, actor: Principal, contract_code: str, page: PageRequest
) -> tuple[list[Operator], int]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        rows, total = await OperatorRepository(uow.session).list(contract_code, own_organisations(actor), page)
    return [operator_from_row(row) for row in rows], total


async def get_operator(uow: UnitOfWork, actor: Principal, operator_id: uuid.UUID) -> Operator:
    async with uow.reading():
        row = await OperatorRepository(uow.session).get(operator_id)
    if row is None or not can_see(actor, row):
        raise NotFoundError("operator", str(operator_id))
    return operator_from_row(row)


def operator_etag(operator: Operator) -> str:
    return etag_of(str(operator.operator_id), operator.version)


async def register_operator(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, operator: Operator
) -> Operator:
    if not actor.works_on(operator.contract_code):
        raise NotBoundError(operator.contract_code)
    check_operator(operator)
    await require_contract(registry, operator.contract_code)
    async with uow:
        repository = OperatorRepository(uow.session)
        if await repository.by_siret(operator.contract_code, operator.siret) is not None:
            raise ConflictError(f"an operator with SIRET {operator.siret} exists in {operator.contract_code}")
        await repository.add(OperatorRow(**_columns(operator)))
        await ledger.created(
            uow.session,
            actor,
            action="operator.registered",
            entity_type="operator",
            entity_id=str(operator.operator_id),
            after=_snapshot(operator),
        )
        await uow.commit()
    return operator


async def update_operator(
    uow: UnitOfWork,
    actor: Principal,
    operator_id: uuid.UUID,
    changes: dict[str, Any],
) -> Operator:
    async with uow:
        repository = OperatorRepository(uow.session)
        row = await repository.get(operator_id, for_update=True)
        if row is None or not can_see(actor, row):
            raise NotFoundError("operator", str(operator_id))
        before = operator_from_row(row)
        uow.check_precondition(operator_etag(before))
        after = replace(before, **changes, version=before.version + 1)
        check_operator(after)
        if after.siret != before.siret and await repository.by_siret(after.contract_code, after.siret) is not None:
            raise ConflictError(f"an operator with SIRET {after.siret} exists in {after.contract_code}")
        for column, value in _columns(after).items():
            setattr(row, column, value)
        await ledger.changed(
            uow.session,
            actor,
            action="operator.updated",
            entity_type="operator",
            entity_id=str(operator_id),
            before=_snapshot(before),
            after=_snapshot(after),
        )
        await uow.commit()
    return after
