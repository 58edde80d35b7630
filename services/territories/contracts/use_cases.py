"""The registry of contracts: read by anyone, written by platform admins (and pilots, their own)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.contracts.domain import Contract, check_contract, may_edit_contract
from services.territories.contracts.repository import ContractRepository
from services.territories.errors import ContractConflictError, NotBoundError, found
from services.territories.persistence import commit_audited
from services.territories.qpvs.repository import QpvRepository
from services.territories.reference.repository import ReferenceRepository


async def list_contracts(uow: UnitOfWork, page: PageRequest, code_epci: str | None) -> tuple[list[Contract], int]:
    async with uow.reading():
        return await ContractRepository(uow.session).list(page, code_epci)


async def get_contract(uow: UnitOfWork, code: str) -> Contract:
    async with uow.reading():
        return found(await ContractRepository(uow.session).get(code), "contract", code)


def contract_etag(contract: Contract) -> str:
    return etag_of(contract.code, contract.version)


async def piloted_epcis(uow: UnitOfWork, actor: Principal) -> frozenset[str]:
    """The EPCIs of the contracts the actor works on (inside the caller's unit of work)."""
    return await ContractRepository(uow.session).epcis_of_contracts(actor.contracts)


async def register_contract(uow: UnitOfWork, actor: Principal, contract: Contract) -> Contract:
    """Register a contract."""
    async with uow:
        found(await ReferenceRepository(uow.session).get_epci(contract.code_epci), "EPCI", contract.code_epci)
        check_contract(contract, await QpvRepository(uow.session).qpv_codes_of_epci(contract.code_epci))
        contracts = ContractRepository(uow.session)
        if await contracts.get(contract.code) is not None:
            raise ContractConflictError(contract.code)
        await contracts.add(contract)
        await commit_audited(
            uow,
            actor,
            action="contract.registered",
            entity_type="contract",
            entity_id=contract.code,
            before=None,
            after=asdict(contract),
        )
    return contract


async def update_contract(uow: UnitOfWork, actor: Principal, code: str, changes: dict[str, Any]) -> Contract:
    """Apply `changes` if the caller's If-Match still designates the current version."""
    async with uow:
        contracts = ContractRepository(uow.session)
        before = found(await contracts.get(code, for_update=True), "contract", code)
        if not may_edit_contract(actor, code):
            raise NotBoundError(code)
        uow.check_precondition(contract_etag(before))
        after = replace(before, **changes, version=before.version + 1)
        check_contract(after, await QpvRepository(uow.session).qpv_codes_of_epci(after.code_epci))
        await contracts.update(after)
        await commit_audited(
            uow,
            actor,
            action="contract.updated",
            entity_type="contract",
            entity_id=code,
            before=asdict(before),
            after=asdict(after),
        )
    return after
