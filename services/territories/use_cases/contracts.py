"""The registry of contracts: read by anyone, written by platform admins (and pilots, their own)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import func

from kit.auth.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.db.models import ContractRow
from services.territories.db.repositories import ContractRepository
from services.territories.domain.contracts import Contract, Signatory, check_contract
from services.territories.errors import ContractConflictError, NotBoundError, NotFoundError
from services.territories.persistence import ledger
from services.territories.qpvs.repository import QpvRepository
from services.territories.reference.repository import ReferenceRepository


def contract_from_row(row: ContractRow) -> Contract:
    return Contract(
        code=row.code,
        nom=row.nom,
        code_epci=row.code_epci,
        start_year=row.start_year,
        end_year=row.end_year,
        qpv_codes=tuple(row.qpv_codes),
        signatories=tuple(Signatory(**signatory) for signatory in row.signatories),
        version=row.version,
    )


def _snapshot(contract: Contract) -> dict[str, Any]:
    return asdict(contract)


async def list_contracts(uow: UnitOfWork, page: PageRequest, code_epci: str | None) -> tuple[list[Contract], int]:
    async with uow.reading():
        rows, total = await ContractRepository(uow.session).list(page, code_epci)
    return [contract_from_row(row) for row in rows], total


async def get_contract(uow: UnitOfWork, code: str) -> Contract:
    async with uow.reading():
        row = await ContractRepository(uow.session).get(code)
    if row is None:
        raise NotFoundError("contract", code)
    return contract_from_row(row)


def contract_etag(contract: Contract) -> str:
    return etag_of(contract.code, contract.version)


async def register_contract(uow: UnitOfWork, actor: Principal, contract: Contract) -> Contract:
    """Register a contract."""
    async with uow:
        if await ReferenceRepository(uow.session).get_epci(contract.code_epci) is None:
            raise NotFoundError("EPCI", contract.code_epci)
        check_contract(contract, await QpvRepository(uow.session).qpv_codes_of_epci(contract.code_epci))
        contracts = ContractRepository(uow.session)
        if await contracts.get(contract.code) is not None:
            raise ContractConflictError(contract.code)
        await contracts.add(
            ContractRow(
                code=contract.code,
                nom=contract.nom,
                code_epci=contract.code_epci,
                start_year=contract.start_year,
                end_year=contract.end_year,
                qpv_codes=list(contract.qpv_codes),
                signatories=[asdict(signatory) for signatory in contract.signatories],
                version=1,
            )
        )
        await ledger.created(
            uow.session,
            actor,
            action="contract.registered",
            entity_type="contract",
            entity_id=contract.code,
            after=_snapshot(contract),
        )
        await uow.commit()
    return contract


async def update_contract(
    uow: UnitOfWork,
    actor: Principal,
    code: str,
    changes: dict[str, Any],
) -> Contract:
    """Apply `changes` if the caller's If-Match still designates the current version."""
    async with uow:
        contracts = ContractRepository(uow.session)
        row = await contracts.get(code, for_update=True)
        if row is None:
            raise NotFoundError("contract", code)
        if not actor.works_on(code):
            raise NotBoundError(code)
        before = contract_from_row(row)
        uow.check_precondition(contract_etag(before))
        after = replace(before, **changes, version=before.version + 1)
        check_contract(after, await QpvRepository(uow.session).qpv_codes_of_epci(after.code_epci))
        row.nom = after.nom
        row.start_year = after.start_year
        row.end_year = after.end_year
        row.qpv_codes = list(after.qpv_codes)
        row.signatories = [asdict(signatory) for signatory in after.signatories]
        row.version = after.version
        row.updated_at = func.now()
        await ledger.changed(
            uow.session,
            actor,
            action="contract.updated",
            entity_type="contract",
            entity_id=code,
            before=_snapshot(before),
            after=_snapshot(after),
        )
        await uow.commit()
    return after
