"""The CU d'Arras's signatories and the engagement sheets its contract gives (data/cua_engagements.json,
data/README.md), loaded once: what the pilots and signatories changed since is left as they left it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from kit.money import parse_cents
from kit.unit_of_work import UnitOfWork
from services.grants.engagements.domain.sheets import Resolution, Sheet, SheetContent
from services.grants.engagements.models import SignatoryRow
from services.grants.engagements.repository import EngagementRepository, content_of
from services.grants.engagements.use_cases.sheets import resolved_commitments, sheet_row, tree_nodes
from services.grants.framework.repository import FrameworkRepository
from services.grants.institutions.repository import InstitutionRepository

_SEED_NAMESPACE = uuid.UUID("5b0f7c4e-2d61-4c3a-9a57-0f7f2b1e8d44")


def _stored_figures(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    amount = data.get("amount")
    return {**data, "amountCents": None if amount is None else parse_cents(amount)}


def seeded_content(item: dict[str, Any]) -> SheetContent:
    """A shipped sheet's content: as the sheets' column holds it, but amounts in euros and objectives named
    only as the sheet writes them (resolved on load)."""
    unresolved = Resolution.UNRESOLVED.value
    stored = {
        **item,
        "commitments": [
            {**commitment, "objectives": [{**ref, "status": unresolved} for ref in commitment["objectives"]]}
            for commitment in item["commitments"]
        ],
        "means": [
            {
                **means,
                "declared": _stored_figures(means["declared"]),
                "realised": _stored_figures(means.get("realised")),
            }
            for means in item["means"]
        ],
    }
    return content_of(stored, bool(item.get("isFictitious")))


@dataclass(frozen=True, slots=True)
class EngagementsReport:
    signatories: int
    sheets: int
    unresolved: int


async def load_engagements(uow: UnitOfWork, document: dict[str, Any]) -> EngagementsReport:
    """The shipped signatories and sheets; a signatory or sheet that exists already is left as it is. The
    sheets' objectives are resolved against the contract's tree (loaded before): those it lacks are kept,
    unresolved, and counted."""
    contract_code = document["contractCode"]
    created = sheets = unresolved = 0
    async with uow:
        repository = EngagementRepository(uow.session)
        institutions = InstitutionRepository(uow.session)
        ids: dict[str, uuid.UUID] = {}
        for item in document["signatories"]:
            held = await repository.signatory_by_code(contract_code, item["code"])
            if held is not None:
                ids[item["code"]] = held.signatory_id
                continue
            institution = (
                await institutions.by_code(contract_code, item["institution"]) if item.get("institution") else None
            )
            row = SignatoryRow(
                signatory_id=uuid.uuid5(_SEED_NAMESPACE, f"{contract_code}/{item['code']}"),
                contract_code=contract_code,
                code=item["code"],
                nom=item.get("nom"),
                kind=item["kind"],
                basis=item["basis"],
                source_lines=list(item["sourceLines"]),
                institution_id=None if institution is None else institution.institution_id,
                code_insee=item.get("codeInsee"),
                version=1,
            )
            await repository.add(row)
            ids[item["code"]] = row.signatory_id
            created += 1
        nodes = tree_nodes(await FrameworkRepository(uow.session).of_contract(contract_code))
        for item in document["sheets"]:
            signatory_id = ids[item["signatory"]]
            if await repository.sheet_row(signatory_id, item["year"]) is not None:
                continue
            content = seeded_content(item)
            commitments, refused = await resolved_commitments(repository, nodes, contract_code, content)
            if refused:
                raise ValueError(f"the shipped sheet of {item['signatory']} {item['year']} names another contract")
            sheet = Sheet(
                uuid.uuid5(_SEED_NAMESPACE, f"{contract_code}/{item['signatory']}/{item['year']}"),
                contract_code,
                signatory_id,
                item["year"],
                replace(content, commitments=commitments),
            )
            unresolved += len(sheet.unresolved)
            await repository.add(sheet_row(sheet))
            sheets += 1
        await uow.commit()
    return EngagementsReport(created, sheets, unresolved)
