"""The queries of the QPV records, their generations, lineage and perimeters."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    ARRAY,
    ClauseElement,
    ColumnElement,
    Select,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased, defer

from kit.compiled_statements import CompiledOnce, camel_json, json_array
from kit.pagination import PageRequest
from services.territories.persistence import Repository, record_of
from services.territories.qpvs.domain import Generation, Lineage, NamedRecord, Qpv, QpvPerimeter
from services.territories.qpvs.models import QpvGenerationRow, QpvLineageRow, QpvRow
from services.territories.reference.models import CommuneRow

# A record read without its perimeter (a GeoJSON of up to hundreds of kilobytes PostgreSQL would otherwise
# read, detoast and send with every record): only the perimeter's own reads load it.
_WITHOUT_PERIMETER = defer(QpvRow.perimeter)


def _lineage_statement() -> Select[QpvLineageRow, QpvRow, QpvRow]:
    """Links touching the QPV records `ids`, with both sides' records (not their perimeters)."""
    predecessor, successor = aliased(QpvRow, name="predecessor"), aliased(QpvRow, name="successor")
    ids = bindparam("ids", type_=ARRAY(Uuid))
    return (
        select(QpvLineageRow, predecessor, successor)
        .options(defer(predecessor.perimeter), defer(successor.perimeter))
        .join(predecessor, predecessor.qpv_id == QpvLineageRow.predecessor_id)
        .join(successor, successor.qpv_id == QpvLineageRow.successor_id)
        .where(or_(QpvLineageRow.predecessor_id == any_(ids), QpvLineageRow.successor_id == any_(ids)))
        .order_by(predecessor.nom, successor.nom)
    )


# Statements of the hot reads (a QPV by code, its lineage) built once, bound at each execution: building
# one costs more Python than the read itself (aliases proxying every column, options, comparisons).
_LINEAGE = _lineage_statement()
_BY_CODE = select(QpvRow).where(QpvRow.code == bindparam("code"), QpvRow.generation == bindparam("generation"))
_BY_CODE_WITHOUT_PERIMETER = _BY_CODE.options(_WITHOUT_PERIMETER)


def _qpv(row: QpvRow) -> Qpv:
    lists = {"aliases": tuple(row.aliases), "codes_communes": tuple(row.codes_communes)}
    return record_of(Qpv, row, **lists, predecessors=(), successors=())


def _of_epci(code_epci: str) -> ColumnElement[bool]:
    """National records carry communes but no EPCI: they belong to the EPCI of their communes."""
    of_member_commune = exists().where(
        CommuneRow.code_epci == code_epci, CommuneRow.code == any_(QpvRow.codes_communes)
    )
    return or_(QpvRow.code_epci == code_epci, and_(QpvRow.code_epci.is_(None), of_member_commune))


class QpvRepository(Repository):
    async def list_qpvs(
        self, page: PageRequest, generation: str | None, code_epci: str | None, code_commune: str | None
    ) -> tuple[list[Qpv], int]:
        query = (
            select(QpvRow)
            .options(_WITHOUT_PERIMETER)
            .order_by(QpvRow.generation.desc(), QpvRow.code, QpvRow.nom, QpvRow.qpv_id)
        )
        if generation is not None:
            query = query.where(QpvRow.generation == generation)
        if code_epci is not None:
            query = query.where(_of_epci(code_epci))
        if code_commune is not None:
            query = query.where(literal(code_commune) == any_(QpvRow.codes_communes))
        return await self.paged(query, page, _qpv)

    async def _row(self, code: str, generation: str, *, perimeter: bool) -> QpvRow | None:
        query = _BY_CODE if perimeter else _BY_CODE_WITHOUT_PERIMETER
        return (await self.session.execute(query, {"code": code, "generation": generation})).scalar_one_or_none()

    async def get_qpv(self, code: str, generation: str) -> Qpv | None:
        row = await self._row(code, generation, perimeter=False)
        return None if row is None else _qpv(row)

    async def record_json(self, code: str, generation: str) -> str | None:
        """The record of `code` in `generation` as QpvRead writes it, with its links to the other generations
        (domain.with_lineage: predecessors are the links it is the successor of, successors those it is the
        predecessor of, each in the order of `lineage_of`); None: no such record. One statement, compiled
        once, whose JSON PostgreSQL writes."""
        found = await _RECORD(frozenset()).rows(self.session, {"code": code, "generation": generation})
        return None if not found else str(found[0][0])

    async def get_qpv_by_id(self, qpv_id: uuid.UUID) -> Qpv | None:
        row = await self.session.get(QpvRow, qpv_id, options=[_WITHOUT_PERIMETER])
        return None if row is None else _qpv(row)

    async def get_with_perimeter(self, code: str, generation: str) -> tuple[Qpv, dict[str, Any] | None] | None:
        row = await self._row(code, generation, perimeter=True)
        return None if row is None else (_qpv(row), row.perimeter)

    async def perimeters_of(self, generation: str) -> list[QpvPerimeter]:
        query = (
            select(QpvRow)
            .where(QpvRow.generation == generation, QpvRow.perimeter.is_not(None))
            .order_by(QpvRow.code, QpvRow.qpv_id)
        )
        rows = (await self.session.execute(query)).scalars()
        return [QpvPerimeter(row.code, row.nom, generation, row.perimeter) for row in rows if row.perimeter is not None]

    async def lineage_of(self, qpv_ids: Collection[uuid.UUID]) -> list[Lineage]:
        """Links touching these QPVs, each with its predecessor and successor records."""
        return [
            Lineage(
                _qpv(row[1]),
                _qpv(row[2]),
                row[0].kind,
                row[0].is_inferred,
                row[0].note,
                row[0].source,
                row[0].contrary_note,
            )
            for row in (await self.session.execute(_LINEAGE, {"ids": list(qpv_ids)})).all()
        ]

    async def list_generations(self, page: PageRequest) -> tuple[list[Generation], int]:
        query = select(QpvGenerationRow).order_by(QpvGenerationRow.starts_on, QpvGenerationRow.generation)
        return await self.paged(query, page, lambda row: record_of(Generation, row))

    async def generation_revision(self, generation: str) -> int | None:
        query = select(QpvGenerationRow.revision).where(QpvGenerationRow.generation == generation)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def bump_revisions(self, generations: set[str]) -> None:
        """Tell every process that these generations' perimeters changed (their indexes are rebuilt)."""
        await self.session.execute(
            update(QpvGenerationRow)
            .where(QpvGenerationRow.generation.in_(sorted(generations)))
            .values(revision=QpvGenerationRow.revision + 1)
        )

    async def qpv_codes_of_epci(self, code_epci: str) -> set[str]:
        query = select(QpvRow.code).where(_of_epci(code_epci), QpvRow.code.is_not(None))
        return {code for code in (await self.session.execute(query)).scalars().all() if code is not None}

    async def epci_of_qpvs(self, codes: Collection[str], generation: str) -> dict[str, str | None]:
        """QPV code -> its EPCI (its own, or that of its first commune) for the codes that exist."""
        commune_epci = (
            select(CommuneRow.code_epci)
            .where(CommuneRow.code == any_(QpvRow.codes_communes))
            .order_by(CommuneRow.code)
            .limit(1)
            .scalar_subquery()
        )
        query = select(QpvRow.code, func.coalesce(QpvRow.code_epci, commune_epci)).where(
            QpvRow.generation == generation, QpvRow.code.in_(list(codes))
        )
        return {row[0]: row[1] for row in (await self.session.execute(query)).all() if row[0] is not None}

    async def named_records(self) -> list[NamedRecord]:
        """Every QPV record by its name, aliases and code, with its EPCI (for name resolution)."""
        query = select(QpvRow.qpv_id, QpvRow.code, QpvRow.generation, QpvRow.nom, QpvRow.aliases, QpvRow.code_epci)
        return [
            NamedRecord(qpv_id, code, generation, (nom, *aliases, *([code] if code else [])), code_epci)
            for qpv_id, code, generation, nom, aliases, code_epci in (await self.session.execute(query)).all()
        ]

    async def lineage_links(self) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Every (predecessor, successor) pair of records."""
        query = select(QpvLineageRow.predecessor_id, QpvLineageRow.successor_id)
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]


def _record_statement(_: frozenset[str]) -> tuple[ClauseElement, frozenset[str]]:
    """A record and its links as QpvRead writes them (QpvLink for each link, the other record's columns)."""
    record = QpvRow.__table__.alias("record")
    predecessor, successor = QpvRow.__table__.alias("predecessor"), QpvRow.__table__.alias("successor")
    link = QpvLineageRow.__table__

    def links(other: Any, own_side: Any) -> Any:
        item = camel_json(
            {
                "id": other.c.qpv_id,
                "code": other.c.code,
                "nom": other.c.nom,
                "generation": other.c.generation,
                "kind": link.c.kind,
                "inferred": link.c.is_inferred,
                "note": link.c.note,
                "source": link.c.source,
                "contrary_note": link.c.contrary_note,
            }
        )
        found = (
            select(json_array(item, predecessor.c.nom, successor.c.nom))
            .select_from(
                link.join(predecessor, predecessor.c.qpv_id == link.c.predecessor_id).join(
                    successor, successor.c.qpv_id == link.c.successor_id
                )
            )
            .where(own_side == record.c.qpv_id)
        )
        return found.scalar_subquery()

    columns = {
        "id": record.c.qpv_id,
        **{name: record.c[name] for name in _RECORD_COLUMNS},
        "predecessors": links(predecessor, link.c.successor_id),
        "successors": links(successor, link.c.predecessor_id),
    }
    statement = select(cast(camel_json(columns), Text)).where(
        record.c.code == bindparam("code", type_=Text), record.c.generation == bindparam("generation", type_=Text)
    )
    return statement, frozenset({"code", "generation"})


# QpvRead's fields between its id and its links, in its order.
_RECORD_COLUMNS = (
    "code",
    "nom",
    "aliases",
    "generation",
    "status",
    "codes_communes",
    "code_epci",
    "legal_act",
    "starts_on",
    "population",
    "population_year",
)
_RECORD = CompiledOnce(_record_statement)
