"""Engagement sheets: written by the signatory's own users (or the contract's pilots), read whole by those
who work on the contract (agents' names by the pilots and the signatory's users only), read by anyone
without the names (open data)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from identity.contracts import require_contract
from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.clients.territories import References
from services.grants.engagements.domain.sheets import (
    Commitment,
    Sheet,
    SheetContent,
    TreeNode,
    check_content,
    public_content,
    resolve,
)
from services.grants.engagements.domain.signatories import (
    Signatory,
    check_named,
    check_sheet_editor,
    reads_personal_parts,
)
from services.grants.engagements.models import EngagementSheetRow
from services.grants.engagements.repository import EngagementRepository, content_json, sheet_of
from services.grants.errors import NotFoundError, RuleViolationError, raise_broken
from services.grants.framework.domain import Level, Objective
from services.grants.framework.repository import FrameworkRepository
from services.grants.persistence import Audited

SHEETS = Audited("engagement_sheet")


@dataclass(frozen=True, slots=True)
class SheetView:
    """A sheet as one caller reads it: with the agents' names or without."""

    sheet: Sheet
    signatory: Signatory
    personal: bool


def sheet_etag(sheet: Sheet) -> str:
    return etag_of(str(sheet.sheet_id), sheet.version)


def tree_nodes(objectives: Sequence[Objective]) -> list[TreeNode]:
    """The operational objectives with their code paths (ambition/strategic/operational)."""
    by_id = {item.objective_id: item for item in objectives}

    def path(item: Objective) -> str:
        parent = by_id.get(item.parent_id) if item.parent_id else None
        return item.code if parent is None else f"{path(parent)}/{item.code}"

    return [
        TreeNode(item.objective_id, path(item), item.label) for item in objectives if item.level is Level.OPERATIONAL
    ]


async def resolved_commitments(
    repository: EngagementRepository, nodes: Sequence[TreeNode], contract_code: str, content: SheetContent
) -> tuple[tuple[Commitment, ...], list[RuleViolationError]]:
    """Each commitment's objectives resolved against the contract's tree; the references refused (another
    contract's objective), each named by its path."""
    wanted = {ref.objective_id for item in content.commitments for ref in item.objectives if ref.objective_id}
    foreign = await repository.objectives_elsewhere(contract_code, wanted) if wanted else set()
    broken: list[RuleViolationError] = []
    commitments = []
    for position, commitment in enumerate(content.commitments):
        refs = []
        for index, ref in enumerate(commitment.objectives):
            try:
                refs.append(resolve(ref, contract_code, nodes, foreign))
            except RuleViolationError as error:
                where = f"commitments/{position}/objectives/{index}/{error.field}"
                broken.append(RuleViolationError(where, error.rule, str(error)))
        commitments.append(replace(commitment, objectives=tuple(refs)))
    return tuple(commitments), broken


def _snapshot(sheet: Sheet) -> dict[str, Any]:
    """What the audit keeps of a sheet: its content without the agents' names."""
    return {"year": sheet.year, "version": sheet.version, **content_json(public_content(sheet.content))}


async def _signatory(uow: UnitOfWork, actor: Principal, signatory_id: uuid.UUID) -> Signatory:
    signatory = await EngagementRepository(uow.session).signatory(signatory_id)
    if signatory is None or not actor.works_on(signatory.contract_code):
        raise NotFoundError("signatory", str(signatory_id))
    return signatory


async def get_sheet(uow: UnitOfWork, actor: Principal, signatory_id: uuid.UUID, year: int) -> SheetView:
    async with uow.reading():
        signatory = await _signatory(uow, actor, signatory_id)
        row = await EngagementRepository(uow.session).sheet_row(signatory_id, year)
    if row is None:
        raise NotFoundError("engagement sheet", f"{signatory.code}/{year}")
    return SheetView(sheet_of(row), signatory, reads_personal_parts(actor, signatory))


async def list_sheets(
    uow: UnitOfWork,
    actor: Principal | None,
    contract_code: str,
    year: int | None,
    signatory_id: uuid.UUID | None,
    page: PageRequest,
) -> tuple[list[SheetView], int]:
    """A contract's sheets; `actor` None: the public, who reads them without the agents' names."""
    if actor is not None and not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        repository = EngagementRepository(uow.session)
        signatories = {item.signatory_id: item for item in (await repository.signatories(contract_code))[0]}
        sheets, total = await repository.sheet_page(contract_code, year, signatory_id, page)
    views = []
    for sheet in sheets:
        signatory = signatories[sheet.signatory_id]
        personal = actor is not None and reads_personal_parts(actor, signatory)
        shown = sheet if personal else replace(sheet, content=public_content(sheet.content))
        views.append(SheetView(shown, signatory, personal))
    return views, total


async def write_sheet(
    uow: UnitOfWork,
    references: References,
    actor: Principal,
    signatory_id: uuid.UUID,
    year: int,
    content: SheetContent,
) -> SheetView:
    """Create or replace a signatory's sheet of a year (If-Match when it exists), every broken rule at once."""
    async with uow.reading():
        signatory = await _signatory(uow, actor, signatory_id)
    check_named(signatory)
    check_sheet_editor(actor, signatory)
    contract = await require_contract(references.contracts, signatory.contract_code)
    broken = check_content(content, contract.qpv_codes, contract.start_year, contract.end_year)
    if not contract.start_year <= year <= contract.end_year:
        rule = f"a sheet's year is within the contract's {contract.start_year}-{contract.end_year}"
        broken.insert(0, RuleViolationError("year", "year-of-contract", rule))
    async with uow:
        repository = EngagementRepository(uow.session)
        nodes = tree_nodes(await FrameworkRepository(uow.session).of_contract(signatory.contract_code))
        commitments, refused = await resolved_commitments(repository, nodes, signatory.contract_code, content)
        raise_broken(broken + refused)
        content = replace(content, commitments=commitments, is_fictitious=False)
        row = await repository.sheet_row(signatory_id, year, for_update=True)
        held = None if row is None else sheet_of(row)
        uow.check_precondition(None if held is None else sheet_etag(held))
        if row is None or held is None:
            sheet = Sheet(uuid.uuid4(), signatory.contract_code, signatory_id, year, content)
            await SHEETS.created(
                uow,
                actor,
                str(sheet.sheet_id),
                action="engagement_sheet.created",
                after=_snapshot(sheet),
                row=sheet_row(sheet),
            )
        else:
            sheet = Sheet(row.sheet_id, row.contract_code, signatory_id, year, content, row.version + 1)
            await SHEETS.changed(
                uow,
                actor,
                str(sheet.sheet_id),
                action="engagement_sheet.updated",
                before=_snapshot(held),
                after=_snapshot(sheet),
                row=row,
                columns={"content": content_json(content), "is_fictitious": False, "version": sheet.version},
            )
        await uow.commit()
    return SheetView(sheet, signatory, True)


def sheet_row(sheet: Sheet) -> EngagementSheetRow:
    return EngagementSheetRow(
        sheet_id=sheet.sheet_id,
        contract_code=sheet.contract_code,
        signatory_id=sheet.signatory_id,
        year=sheet.year,
        content=content_json(sheet.content),
        is_fictitious=sheet.content.is_fictitious,
        version=sheet.version,
    )
