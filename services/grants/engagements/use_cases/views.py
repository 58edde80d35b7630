"""What the evaluation reads of the engagements: the signatories, the comparison of a year's sheets with
later years', the engineering staff of a year."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from identity.contracts import ContractRegistry, require_contract
from identity.principal import Principal
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.engagements.domain.comparison import (
    LATER_YEARS,
    FigureChange,
    MeansTotals,
    SheetComparison,
    compare,
    contract_totals,
    means_totals,
    total_etp,
)
from services.grants.engagements.domain.sheets import Sheet, Staff
from services.grants.engagements.domain.signatories import Signatory
from services.grants.engagements.repository import EngagementRepository, signatory_row
from services.grants.errors import ConflictError, NotBoundError, NotFoundError, RuleViolationError
from services.grants.institutions.repository import InstitutionRepository
from services.grants.persistence import Audited

SIGNATORIES = Audited("signatory")


async def list_signatories(uow: UnitOfWork, contract_code: str, page: PageRequest) -> tuple[list[Signatory], int]:
    async with uow.reading():
        return await EngagementRepository(uow.session).signatories(contract_code, page)


@dataclass(frozen=True, slots=True)
class SignatoryComparison:
    signatory: Signatory
    comparison: SheetComparison


@dataclass(frozen=True, slots=True)
class YearComparison:
    """The contract's sheets of a year against those of one later year."""

    base_year: int
    later_year: int
    signatories: tuple[SignatoryComparison, ...]
    amount_cents: FigureChange
    etp: FigureChange


async def compare_sheets(
    uow: UnitOfWork,
    actor: Principal,
    contract_code: str,
    year: int,
    against: int | None,
    signatory_id: uuid.UUID | None,
) -> list[YearComparison]:
    """Each signatory's sheet of `year` against its sheet of `against` (default: N+2 and N+3), and the
    contract's totals; signatories with a sheet on neither side are left out."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    if against is not None and against <= year:
        raise RuleViolationError("against", "later-year", "against is a year after year (N+2, N+3…)")
    later_years = (against,) if against is not None else tuple(year + step for step in LATER_YEARS)
    async with uow.reading():
        repository = EngagementRepository(uow.session)
        signatories, _ = await repository.signatories(contract_code)
        sheets = await repository.sheets(contract_code, (year, *later_years), signatory_id)
    if signatory_id is not None and all(item.signatory_id != signatory_id for item in signatories):
        raise NotFoundError("signatory", str(signatory_id))
    by_key: dict[tuple[uuid.UUID, int], Sheet] = {(sheet.signatory_id, sheet.year): sheet for sheet in sheets}
    answers = []
    for later in later_years:
        items = []
        for signatory in signatories:
            base_sheet, later_sheet = (
                by_key.get((signatory.signatory_id, year)),
                by_key.get((signatory.signatory_id, later)),
            )
            if base_sheet is None and later_sheet is None:
                continue
            items.append(SignatoryComparison(signatory, compare(base_sheet, later_sheet, year, later)))
        amount, etp = contract_totals(item.comparison for item in items)
        answers.append(YearComparison(year, later, tuple(items), amount, etp))
    return answers


@dataclass(frozen=True, slots=True)
class SignatoryStaff:
    signatory: Signatory
    staff: tuple[Staff, ...]
    total: Decimal
    is_fictitious: bool


async def engineering_staff(
    uow: UnitOfWork, actor: Principal, contract_code: str, year: int
) -> tuple[list[SignatoryStaff], Decimal]:
    """The engineering staff each signatory's sheet of the year gives, and the contract's sum."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        repository = EngagementRepository(uow.session)
        signatories = {item.signatory_id: item for item in (await repository.signatories(contract_code))[0]}
        sheets: Sequence[Sheet] = await repository.sheets(contract_code, (year,))
    items = [
        SignatoryStaff(
            signatories[sheet.signatory_id],
            sheet.content.staff,
            total_etp(sheet.content.staff),
            sheet.content.is_fictitious,
        )
        for sheet in sheets
        if sheet.content.staff
    ]
    items.sort(key=lambda item: item.signatory.code)
    return items, sum((item.total for item in items), Decimal(0))


async def register_signatory(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, signatory: Signatory
) -> Signatory:
    """A signatory the pilots name (the contract's unnamed slots stay as the text leaves them)."""
    if not actor.works_on(signatory.contract_code):
        raise NotBoundError(signatory.contract_code)
    await require_contract(registry, signatory.contract_code)
    async with uow:
        repository = EngagementRepository(uow.session)
        if await repository.signatory_by_code(signatory.contract_code, signatory.code) is not None:
            raise ConflictError(f"signatory {signatory.code} exists in {signatory.contract_code}")
        institution_id = None
        if signatory.institution_code is not None:
            institution = await InstitutionRepository(uow.session).by_code(
                signatory.contract_code, signatory.institution_code
            )
            if institution is None:
                raise RuleViolationError(
                    "institution_code", "institution-of-contract", f"no institution {signatory.institution_code}"
                )
            institution_id = institution.institution_id
        signatory = replace(signatory, institution_id=institution_id)
        await SIGNATORIES.created(
            uow,
            actor,
            str(signatory.signatory_id),
            action="signatory.registered",
            after={"code": signatory.code, "nom": signatory.nom, "kind": signatory.kind.value},
            row=signatory_row(signatory),
        )
        await uow.commit()
    return signatory


@dataclass(frozen=True, slots=True)
class SignatoryMeans:
    signatory: Signatory
    totals: MeansTotals
    is_fictitious: bool


async def droit_commun(
    uow: UnitOfWork, actor: Principal, contract_code: str, year: int
) -> tuple[list[SignatoryMeans], MeansTotals]:
    """Each signatory's droit commun of the year (from its sheet of the year) and the contract's."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        repository = EngagementRepository(uow.session)
        signatories = {item.signatory_id: item for item in (await repository.signatories(contract_code))[0]}
        sheets = await repository.sheets(contract_code, (year,))
    items = [
        SignatoryMeans(signatories[sheet.signatory_id], means_totals([sheet]), sheet.content.is_fictitious)
        for sheet in sheets
        if any(means.year == year for means in sheet.content.means)
    ]
    items.sort(key=lambda item: item.signatory.code)
    return items, means_totals(sheets)
