"""The signatories' and engagement sheets' queries, and a sheet's content as its JSON column holds it."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select

from kit.pagination import PageRequest, fetch_page, fetch_rows_page
from services.grants.engagements.domain.sheets import (
    Agent,
    Commitment,
    Figures,
    Intervention,
    Means,
    ObjectiveRef,
    Resolution,
    Sheet,
    SheetContent,
    Staff,
)
from services.grants.engagements.domain.signatories import Basis, Signatory, SignatoryKind
from services.grants.engagements.models import EngagementSheetRow, SignatoryRow
from services.grants.framework.models import ObjectiveRow
from services.grants.institutions.models import InstitutionRow
from services.grants.persistence import Repository


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _figures_json(figures: Figures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    return {"amountCents": figures.amount_cents, "actions": figures.actions, "etp": _text(figures.etp)}


def _figures_of(data: dict[str, Any] | None) -> Figures | None:
    if data is None:
        return None
    etp = data.get("etp")
    return Figures(data.get("amountCents"), data.get("actions"), None if etp is None else Decimal(etp))


def _ref_json(ref: ObjectiveRef) -> dict[str, Any]:
    return {
        "code": ref.code,
        "objectiveId": _text(ref.objective_id),
        "label": ref.label,
        "status": ref.status.value,
        "resolvedId": _text(ref.resolved_id),
        "treeLabel": ref.tree_label,
        "reason": ref.reason,
    }


def _ref_of(data: dict[str, Any]) -> ObjectiveRef:
    def identifier(key: str) -> uuid.UUID | None:
        return None if data.get(key) is None else uuid.UUID(data[key])

    return ObjectiveRef(
        code=data.get("code"),
        objective_id=identifier("objectiveId"),
        label=data.get("label"),
        status=Resolution(data["status"]),
        resolved_id=identifier("resolvedId"),
        tree_label=data.get("treeLabel"),
        reason=data.get("reason"),
    )


def content_json(content: SheetContent) -> dict[str, Any]:
    return {
        "interventions": [
            {"key": item.key, "title": item.title, "description": item.description} for item in content.interventions
        ],
        "qpvCodes": list(content.qpv_codes),
        "vulnerabilityZones": list(content.vulnerability_zones),
        "agents": [{"function": item.function, "name": item.name} for item in content.agents],
        "commitments": [
            {
                "key": item.key,
                "text": item.text,
                "continuity": item.continuity,
                "objectives": [_ref_json(ref) for ref in item.objectives],
            }
            for item in content.commitments
        ],
        "means": [
            {
                "key": item.key,
                "label": item.label,
                "year": item.year,
                "declared": _figures_json(item.declared),
                "realised": _figures_json(item.realised),
            }
            for item in content.means
        ],
        "staff": [{"function": item.function, "etp": str(item.etp)} for item in content.staff],
        "source": content.source,
    }


def content_of(data: dict[str, Any], is_fictitious: bool) -> SheetContent:
    return SheetContent(
        interventions=tuple(Intervention(i["key"], i["title"], i.get("description")) for i in data["interventions"]),
        qpv_codes=tuple(data["qpvCodes"]),
        vulnerability_zones=tuple(data["vulnerabilityZones"]),
        agents=tuple(Agent(item["function"], item.get("name")) for item in data["agents"]),
        commitments=tuple(
            Commitment(
                item["key"], item["text"], item.get("continuity"), tuple(_ref_of(ref) for ref in item["objectives"])
            )
            for item in data["commitments"]
        ),
        means=tuple(
            Means(
                item["key"],
                item["label"],
                item["year"],
                _figures_of(item["declared"]) or Figures(None, None, None),
                _figures_of(item.get("realised")),
            )
            for item in data["means"]
        ),
        staff=tuple(Staff(item["function"], Decimal(item["etp"])) for item in data["staff"]),
        source=data.get("source"),
        is_fictitious=is_fictitious,
    )


def sheet_of(row: EngagementSheetRow) -> Sheet:
    return Sheet(
        sheet_id=row.sheet_id,
        contract_code=row.contract_code,
        signatory_id=row.signatory_id,
        year=row.year,
        content=content_of(row.content, row.is_fictitious),
        version=row.version,
    )


def signatory_of(row: SignatoryRow, institution_code: str | None) -> Signatory:
    return Signatory(
        signatory_id=row.signatory_id,
        contract_code=row.contract_code,
        code=row.code,
        nom=row.nom,
        kind=SignatoryKind(row.kind),
        basis=Basis(row.basis),
        source_lines=tuple(row.source_lines),
        institution_id=row.institution_id,
        institution_code=institution_code,
        code_insee=row.code_insee,
        version=row.version,
    )


def signatory_row(signatory: Signatory) -> SignatoryRow:
    return SignatoryRow(
        signatory_id=signatory.signatory_id,
        contract_code=signatory.contract_code,
        code=signatory.code,
        nom=signatory.nom,
        kind=signatory.kind.value,
        basis=signatory.basis.value,
        source_lines=list(signatory.source_lines),
        institution_id=signatory.institution_id,
        code_insee=signatory.code_insee,
        version=signatory.version,
    )


def _with_institution() -> Select[SignatoryRow, str]:
    return select(SignatoryRow, InstitutionRow.code).outerjoin(
        InstitutionRow, InstitutionRow.institution_id == SignatoryRow.institution_id
    )


class EngagementRepository(Repository):
    async def signatories(self, contract_code: str, page: PageRequest | None = None) -> tuple[list[Signatory], int]:
        query = _with_institution().where(SignatoryRow.contract_code == contract_code)
        ordered = query.order_by(SignatoryRow.code, SignatoryRow.signatory_id)
        if page is None:
            rows = (await self.session.execute(ordered)).all()
            return [signatory_of(row, code) for row, code in rows], len(rows)
        found, total = await fetch_rows_page(self.session, ordered, page)
        return [signatory_of(row, code) for row, code in found], total

    async def signatory(self, signatory_id: uuid.UUID) -> Signatory | None:
        found = (
            await self.session.execute(_with_institution().where(SignatoryRow.signatory_id == signatory_id))
        ).first()
        return None if found is None else signatory_of(found[0], found[1])

    async def signatory_by_code(self, contract_code: str, code: str) -> SignatoryRow | None:
        return await self._one(
            select(SignatoryRow).where(SignatoryRow.contract_code == contract_code, SignatoryRow.code == code)
        )

    async def sheet_row(
        self, signatory_id: uuid.UUID, year: int, *, for_update: bool = False
    ) -> EngagementSheetRow | None:
        query = select(EngagementSheetRow).where(
            EngagementSheetRow.signatory_id == signatory_id, EngagementSheetRow.year == year
        )
        return await self._one(query, for_update=for_update)

    async def sheets(
        self, contract_code: str, years: Collection[int], signatory_id: uuid.UUID | None = None
    ) -> list[Sheet]:
        query = select(EngagementSheetRow).where(
            EngagementSheetRow.contract_code == contract_code, EngagementSheetRow.year.in_(list(years))
        )
        if signatory_id is not None:
            query = query.where(EngagementSheetRow.signatory_id == signatory_id)
        ordered = query.order_by(EngagementSheetRow.year, EngagementSheetRow.signatory_id)
        return [sheet_of(row) for row in await self._all(ordered)]

    async def sheet_page(
        self, contract_code: str, year: int | None, signatory_id: uuid.UUID | None, page: PageRequest
    ) -> tuple[Sequence[Sheet], int]:
        query = select(EngagementSheetRow).where(EngagementSheetRow.contract_code == contract_code)
        if year is not None:
            query = query.where(EngagementSheetRow.year == year)
        if signatory_id is not None:
            query = query.where(EngagementSheetRow.signatory_id == signatory_id)
        ordered = query.order_by(EngagementSheetRow.year, EngagementSheetRow.signatory_id, EngagementSheetRow.sheet_id)
        rows, total = await fetch_page(self.session, ordered, page)
        return [sheet_of(row) for row in rows], total

    async def objectives_elsewhere(self, contract_code: str, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of the ids that are objectives of another contract's tree."""
        query = select(ObjectiveRow.objective_id).where(
            ObjectiveRow.objective_id.in_(list(ids)), ObjectiveRow.contract_code != contract_code
        )
        return set((await self.session.execute(query)).scalars().all())
