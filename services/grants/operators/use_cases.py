"""Operators: registered by the contract's pilots and the State; an operator's users see and edit only
their own organisation (bound in their token), and another organisation answers like a missing one."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from typing import Any

from identity.contracts import ContractRegistry, require_contract
from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.errors import ConflictError, NotBoundError, NotFoundError
from services.grants.operators.domain import Operator, check_operator, own_organisations, seen
from services.grants.operators.models import OperatorRow
from services.grants.operators.repository import OperatorRepository, operator_of
from services.grants.persistence import Audited

OPERATORS = Audited("operator")


def _columns(operator: Operator) -> dict[str, Any]:
    return {**asdict(operator), "profile": operator.profile.value, "siren": operator.siren}


def _snapshot(operator: Operator) -> dict[str, Any]:
    return {key: None if value is None else str(value) for key, value in asdict(operator).items()}


async def list_operators(
    uow: UnitOfWork, actor: Principal, contract_code: str, page: PageRequest
) -> tuple[list[Operator], int]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        rows, total = await OperatorRepository(uow.session).list(contract_code, own_organisations(actor), page)
    return [operator_of(row) for row in rows], total


async def visible_operator(
    uow: UnitOfWork, actor: Principal, operator_id: uuid.UUID, *, for_update: bool = False
) -> OperatorRow:
    """The operator's row, if the caller reads its records (inside the caller's unit of work)."""
    return seen(
        actor, await OperatorRepository(uow.session).get(operator_id, for_update=for_update), "operator", operator_id
    )


async def get_operator(uow: UnitOfWork, actor: Principal, operator_id: uuid.UUID) -> Operator:
    async with uow.reading():
        return operator_of(await visible_operator(uow, actor, operator_id))


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
        if await OperatorRepository(uow.session).by_siret(operator.contract_code, operator.siret) is not None:
            raise ConflictError(f"an operator with SIRET {operator.siret} exists in {operator.contract_code}")
        await OPERATORS.created(
            uow,
            actor,
            str(operator.operator_id),
            action="operator.registered",
            after=_snapshot(operator),
            row=OperatorRow(**_columns(operator)),
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
        row = await visible_operator(uow, actor, operator_id, for_update=True)
        before = operator_of(row)
        uow.check_precondition(operator_etag(before))
        after = replace(before, **changes, version=before.version + 1)
        check_operator(after)
        repository = OperatorRepository(uow.session)
        if after.siret != before.siret and await repository.by_siret(after.contract_code, after.siret) is not None:
            raise ConflictError(f"an operator with SIRET {after.siret} exists in {after.contract_code}")
        await OPERATORS.changed(
            uow,
            actor,
            str(operator_id),
            action="operator.updated",
            before=_snapshot(before),
            after=_snapshot(after),
            row=row,
            columns=_columns(after),
        )
        await uow.commit()
    return after
