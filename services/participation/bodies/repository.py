"""The queries of bodies and their themes."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import Text, bindparam, delete, select

from kit.compiled_statements import JsonPages, camel_json, kept_or_built
from kit.pagination import PageRequest
from services.participation.bodies import domain
from services.participation.bodies.models import BodyRow, BodyThemeRow
from services.participation.persistence import SessionRepository, record_of


def body_from_row(row: BodyRow) -> domain.Body:
    return record_of(domain.Body, row)


def theme_level_from_row(row: BodyThemeRow) -> domain.ThemeLevel:
    observed = None if row.observed_level is None else domain.ParticipationLevel(row.observed_level)
    return domain.ThemeLevel(row.theme, domain.ParticipationLevel(row.declared_level), observed)


class BodyRepository(SessionRepository):
    async def search_json(self, contract_code: str, kind: str | None, page: PageRequest) -> tuple[str, int]:
        """Bodies of the contract, by name: the page's items as the JSON PostgreSQL writes of them (BodyRead,
        one statement compiled once per shape), and the total."""
        shape = frozenset() if kind is None else frozenset({"kind"})
        values = {"contract_code": contract_code, "kind": kind}
        return await _BODY_PAGES(self.session, shape, values, page)

    async def find(self, body_id: uuid.UUID, *, lock: bool = False) -> BodyRow | None:
        return await self.one(select(BodyRow).where(BodyRow.body_id == body_id), lock=lock)

    async def themes(self, body_id: uuid.UUID) -> list[BodyThemeRow]:
        return await self.all(select(BodyThemeRow).where(BodyThemeRow.body_id == body_id).order_by(BodyThemeRow.theme))

    async def replace_themes(self, body_id: uuid.UUID, rows: Collection[BodyThemeRow]) -> None:
        await self.session.execute(delete(BodyThemeRow).where(BodyThemeRow.body_id == body_id))
        await self.add(*rows)

    async def theme_levels_of_contract(self, contract_code: str) -> list[tuple[str, str | None]]:
        """(declared, observed) levels of the themes of the contract's bodies that are not dissolved."""
        query = (
            select(BodyThemeRow.declared_level, BodyThemeRow.observed_level)
            .join(BodyRow, BodyRow.body_id == BodyThemeRow.body_id)
            .where(BodyRow.contract_code == contract_code, BodyRow.status != domain.BodyStatus.DISSOLVED.value)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]

    async def of_contract(self, contract_code: str) -> list[domain.Body]:
        """Every body of the contract, whatever its status."""
        query = select(BodyRow).where(BodyRow.contract_code == contract_code).order_by(BodyRow.body_id)
        return [body_from_row(row) for row in (await self.session.execute(query)).scalars().all()]


def _bodies(shape: frozenset[str]) -> Any:
    """The contract's bodies, of one kind when the shape says so."""
    query = select(BodyRow.__table__).where(BodyRow.contract_code == bindparam("contract_code", type_=Text))
    return query.where(BodyRow.kind == bindparam("kind", type_=Text)) if "kind" in shape else query


def _body_json(row: Any) -> Any:
    """A body as BodyRead writes it."""
    return camel_json(
        {
            "id": row.body_id,
            "contract_code": row.contract_code,
            "name": row.name,
            "kind": row.kind,
            "participation_level": row.participation_level,
            "qpv_codes": row.qpv_codes,
            "commune_codes": row.commune_codes,
            "status": row.status,
            "recognition_act": row.recognition_act,
            "established_on": row.established_on,
            "dissolved_on": row.dissolved_on,
            "version": row.version,
        }
    )


def _kept_body(row: Any) -> Any:
    """A body's item as its row keeps it (migration part0015), or as _body_json writes it."""
    return kept_or_built(row.item, _body_json(row))


_BODY_PAGES = JsonPages(_bodies, _kept_body, lambda row, _shape: (row.name, row.body_id), items_written=True)
