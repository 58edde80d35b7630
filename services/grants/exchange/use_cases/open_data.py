"""What the contract publishes: the SCDL « subventions » file of a financer's decided grants (the totals of
its notified decisions are the programmation's). Public: organisations and amounts, never a person."""

from __future__ import annotations

import io
from datetime import date

from kit.unit_of_work import UnitOfWork
from services.grants.errors import NotEditableError, NotFoundError
from services.grants.exchange.domain.open_data import SCDL_COLUMNS, DecidedGrant, scdl_row
from services.grants.exchange.repository.exports import ExportRepository
from services.grants.institutions.repository import InstitutionRepository
from services.grants.spreadsheet import write_csv


async def subventions_csv(uow: UnitOfWork, contract_code: str, year: int, institution_code: str) -> bytes:
    async with uow.reading():
        institutions = await InstitutionRepository(uow.session).of_contract(contract_code)
        institution = next((item for item in institutions.values() if item.code == institution_code), None)
        if institution is None:
            raise NotFoundError("institution", f"{contract_code}/{institution_code}")
        if not institution.siret:
            raise NotEditableError(f"{institution.nom} has no SIRET: the SCDL names the attribuant by it")
        found = await ExportRepository(uow.session).decided_grants(contract_code, year, institution.institution_id)
    grants = [
        DecidedGrant(
            attribuant=institution.nom,
            attribuant_siret=institution.siret,
            agreed_on=row.signed_on or row.decided_on or row.notified_on or date(year, 1, 1),
            reference=row.reference or row.dauphin_normalised,
            beneficiary=row.nom,
            beneficiary_siret=row.siret,
            beneficiary_rna=row.rna,
            purpose=row.title,
            amount_cents=row.decided_cents,
            tranches=row.tranches or 0,
            paid_on=[day for day in (row.paid_on or []) if day is not None],
            scheme=row.call_title,
        )
        for row in found
    ]
    text = io.StringIO()
    write_csv(text, [list(SCDL_COLUMNS), *(scdl_row(grant) for grant in grants)])
    return text.getvalue().encode("utf-8-sig")
