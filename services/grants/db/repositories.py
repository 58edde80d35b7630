"""All queries of the grants service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    Select,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import Executable

from services.grants.applications.models import (
    ApplicationEventRow,
    ApplicationRow,
    FinancingLineRow,
)
from services.grants.calls.models import CallRow
from services.grants.conventions.models import (
    ConventionApplicationRow,
    ConventionRow,
)
from services.grants.db.models import DecisionImportLineRow, DecisionImportRow, HeaderAliasRow
from services.grants.domain.programmation_export import LineFigures
from services.grants.framework.models import ObjectiveRow
from services.grants.operators.models import OperatorRow
from services.grants.payments.models import TrancheRow


class ExportedApplication(NamedTuple):
    """An application as the programmation export reads it (a tuple: 20,000 of them are read at once)."""

    application_id: uuid.UUID
    year: int
    dauphin_number: str | None
    title: str
    previous_application_id: uuid.UUID | None
    multi_year: bool
    starts_on: date | None
    ends_on: date | None
    primary_objective_id: uuid.UUID | None
    qpv_codes: list[str]
    hors_qpv: bool
    beneficiaries: dict[str, Any] | None
    state: str
    budget_charges_cents: int
    budget_own_funds_cents: int
    budget_in_kind_cents: int
    siret: str
    rna: str | None
    nom: str
    profile: str


class ExchangeRepository:
    """The queries of the files exchanged with the prefecture: a call's programmation in a few set-wise
    reads (never one query per application), and the decision imports."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _rows(self, query: Executable) -> Result[*tuple[Any, ...]]:
        """Columns read through Core, without the ORM's row loading (100,000 plain rows in an export)."""
        connection = await self.session.connection()
        return await connection.execute(query)

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def calls(self, contract_code: str, year: int) -> list[CallRow]:
        query = select(CallRow).where(CallRow.contract_code == contract_code, CallRow.year == year)
        return list((await self.session.execute(query.order_by(CallRow.scheme))).scalars().all())

    async def objectives(self, contract_code: str) -> list[ObjectiveRow]:
        query = select(ObjectiveRow).where(ObjectiveRow.contract_code == contract_code)
        return list((await self.session.execute(query)).scalars().all())

    async def applications(self, call_id: uuid.UUID) -> list[ExportedApplication]:
        query = (
            select(
                ApplicationRow.application_id,
                ApplicationRow.year,
                ApplicationRow.dauphin_normalised,
                ApplicationRow.title,
                ApplicationRow.previous_application_id,
                ApplicationRow.multi_year,
                ApplicationRow.starts_on,
                ApplicationRow.ends_on,
                ApplicationRow.primary_objective_id,
                ApplicationRow.qpv_codes,
                ApplicationRow.hors_qpv,
                ApplicationRow.beneficiaries,
                ApplicationRow.state,
                ApplicationRow.budget_charges_cents,
                ApplicationRow.budget_own_funds_cents,
                ApplicationRow.budget_in_kind_cents,
                OperatorRow.siret,
                OperatorRow.rna,
                OperatorRow.nom,
                OperatorRow.profile,
            )
            .join(OperatorRow, OperatorRow.operator_id == ApplicationRow.operator_id)
            .where(ApplicationRow.call_id == call_id)
            .order_by(ApplicationRow.title, ApplicationRow.application_id)
        )
        return [ExportedApplication._make(row) for row in (await self._rows(query)).all()]

    async def financing(self, call_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID, LineFigures]]:
        """(application, institution, figures) of every line: a national call has some 100,000."""
        line = FinancingLineRow
        columns: list[Any] = [
            line.application_id,
            line.institution_id,
            line.requested_cents,
            line.proposed_cents,
            line.decided_cents,
            line.decision,
            line.opinion,
            line.opinion_comment,
            line.decided_on,
            line.chorus_commitment,
        ]
        query = (
            select(*columns)
            .join(ApplicationRow, ApplicationRow.application_id == line.application_id)
            .where(ApplicationRow.call_id == call_id)
        )
        return [(row[0], row[1], LineFigures(*row[2:])) for row in (await self._rows(query)).all()]

    async def conventions(self, call_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, int, int, int]]:
        """Per application carried by a convention: its reference, the year carried, first and last years."""
        query = (
            select(
                ConventionApplicationRow.application_id,
                ConventionRow.reference,
                ConventionApplicationRow.year,
                ConventionRow.first_year,
                ConventionRow.last_year,
            )
            .join(ConventionRow, ConventionRow.convention_id == ConventionApplicationRow.convention_id)
            .join(ApplicationRow, ApplicationRow.application_id == ConventionApplicationRow.application_id)
            .where(ApplicationRow.call_id == call_id)
        )
        return {row[0]: (row[1], row[2], row[3], row[4]) for row in (await self._rows(query)).all()}

    @staticmethod
    def _held(p147: uuid.UUID | None) -> Select[Any]:
        """Applications with their operator's SIRET and the State's line."""
        state_line = aliased(FinancingLineRow)
        columns: list[Any] = [
            ApplicationRow.application_id,
            ApplicationRow.contract_code,
            ApplicationRow.state,
            ApplicationRow.dauphin_normalised,
            OperatorRow.siret,
            ApplicationRow.year,
            ApplicationRow.title,
            state_line.requested_cents,
            state_line.decided_cents,
            state_line.decision,
            state_line.decided_on,
            state_line.chorus_commitment,
        ]
        return (
            select(*columns)
            .join(OperatorRow, OperatorRow.operator_id == ApplicationRow.operator_id)
            .outerjoin(
                state_line,
                (state_line.application_id == ApplicationRow.application_id) & (state_line.institution_id == p147),
            )
        )

    async def held(self, contract_code: str, years: Collection[int] | None, p147: uuid.UUID | None) -> list[Any]:
        """The contract's applications of these years (every year: None)."""
        query = self._held(p147).where(ApplicationRow.contract_code == contract_code)
        if years is not None:
            query = query.where(ApplicationRow.year.in_(sorted(years)))
        return list((await self.session.execute(query)).all())

    async def held_one(self, application_id: uuid.UUID, p147: uuid.UUID | None) -> Any | None:
        query = self._held(p147).where(ApplicationRow.application_id == application_id)
        return (await self.session.execute(query)).one_or_none()

    async def aliases(self, contract_code: str) -> dict[str, list[str]]:
        query = select(HeaderAliasRow).where(HeaderAliasRow.contract_code == contract_code)
        return {row.field: row.aliases for row in (await self.session.execute(query)).scalars().all()}

    async def lock_aliases(self, contract_code: str) -> None:
        """Serialise the replacements of a contract's header spellings until the transaction ends."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended("aliases:" + contract_code, 0)))
        )

    async def set_aliases(self, contract_code: str, aliases: dict[str, list[str]]) -> None:
        await self.session.execute(delete(HeaderAliasRow).where(HeaderAliasRow.contract_code == contract_code))
        self.session.add_all(
            HeaderAliasRow(contract_code=contract_code, field=name, aliases=spellings)
            for name, spellings in aliases.items()
        )
        await self.session.flush()

    async def batch_of_file(self, contract_code: str, file_sha256: str) -> DecisionImportRow | None:
        query = select(DecisionImportRow).where(
            DecisionImportRow.contract_code == contract_code, DecisionImportRow.file_sha256 == file_sha256
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def batch(self, batch_id: uuid.UUID) -> DecisionImportRow | None:
        return await self.session.get(DecisionImportRow, batch_id)

    async def lines(self, batch_id: uuid.UUID, statuses: Collection[str] | None = None) -> list[DecisionImportLineRow]:
        query = select(DecisionImportLineRow).where(DecisionImportLineRow.batch_id == batch_id)
        if statuses:
            query = query.where(DecisionImportLineRow.status.in_(sorted(statuses)))
        return list((await self.session.execute(query.order_by(DecisionImportLineRow.line))).scalars().all())

    async def line(self, batch_id: uuid.UUID, line: int) -> DecisionImportLineRow | None:
        query = select(DecisionImportLineRow).where(
            DecisionImportLineRow.batch_id == batch_id, DecisionImportLineRow.line == line
        )
        return (await self.session.execute(query.with_for_update())).scalar_one_or_none()

    async def insert_lines(self, rows: list[dict[str, Any]]) -> None:
        """COPY, not INSERT: a national file's 20,000 lines with their JSON documents in a fifth of the time.
        Inside the session's transaction, after what it has flushed (the batch)."""
        if not rows:
            return
        names = list(rows[0])
        documents = {"raw", "parsed", "changes"}
        records = [
            tuple(orjson.dumps(row[name]).decode() if name in documents else row[name] for name in names)
            for row in rows
        ]
        driver = (await (await self.session.connection()).get_raw_connection()).driver_connection
        if driver is None:
            raise RuntimeError("the session's connection is closed")
        await driver.copy_records_to_table(
            DecisionImportLineRow.__tablename__,
            schema_name=DecisionImportLineRow.metadata.schema,
            columns=names,
            records=records,
        )

    async def apply_decisions(self, p147: uuid.UUID, values: list[tuple[Any, ...]]) -> None:
        """One statement for every line: (application, decided cents, decision, decided on, Chorus EJ).
        The applications whose State line changed get a new version, and their sum of decided amounts
        moves in that same write: one write per application instead of two (the lines' trigger then
        finds the sums right and writes nothing) — 22,000 decisions in 1.6 s instead of 3.2."""
        if not values:
            return
        columns = list(zip(*values, strict=True))
        await self.session.execute(
            text(
                "WITH given AS (SELECT given.*, line.decided_cents AS before FROM unnest(CAST(:applications AS uuid[]),"
                " CAST(:decided AS bigint[]), CAST(:decisions AS text[]), CAST(:days AS date[]),"
                " CAST(:commitments AS text[])) AS given(application_id, decided, decision, decided_on, commitment)"
                " JOIN financing_lines AS line"
                " ON line.application_id = given.application_id AND line.institution_id = :p147"
                " WHERE (line.decided_cents, line.decision, line.decided_on, line.chorus_commitment)"
                " IS DISTINCT FROM (given.decided, given.decision, given.decided_on, given.commitment)),"
                " changed AS (UPDATE financing_lines AS line SET decided_cents = given.decided,"
                " decision = given.decision, decided_on = given.decided_on, chorus_commitment = given.commitment"
                " FROM given WHERE line.application_id = given.application_id AND line.institution_id = :p147"
                " RETURNING line.application_id, coalesce(given.decided, 0) - coalesce(given.before, 0) AS moved)"
                " UPDATE applications SET version = version + 1, lines_decided_cents = lines_decided_cents + moved"
                " FROM changed WHERE applications.application_id = changed.application_id"
            ),
            {
                "applications": list(columns[0]),
                "decided": list(columns[1]),
                "decisions": list(columns[2]),
                "days": list(columns[3]),
                "commitments": list(columns[4]),
                "p147": p147,
            },
        )

    async def set_dauphin_numbers(self, numbers: dict[uuid.UUID, str]) -> None:
        for application_id, number in numbers.items():
            await self.session.execute(
                update(ApplicationRow)
                .where(ApplicationRow.application_id == application_id)
                .values(dauphin_number=number, dauphin_normalised=number)
            )

    async def decided_grants(self, contract_code: str, year: int, institution_id: uuid.UUID) -> list[Any]:
        """One financer's granted lines of notified applications: with the operator, the signed convention
        carrying the year if any, the call's title, the tranches and days paid."""
        carried = (
            select(ConventionApplicationRow.application_id, ConventionRow.reference, ConventionRow.signed_on)
            .join(ConventionRow, ConventionRow.convention_id == ConventionApplicationRow.convention_id)
            .subquery()
        )
        notified_at = (
            select(func.max(ApplicationEventRow.at))
            .where(
                ApplicationEventRow.application_id == ApplicationRow.application_id,
                ApplicationEventRow.transition == "notify",
            )
            .scalar_subquery()
        )
        tranches = (
            select(func.count())
            .where(
                TrancheRow.application_id == ApplicationRow.application_id, TrancheRow.institution_id == institution_id
            )
            .where(TrancheRow.status != "replaced")
            .scalar_subquery()
        )
        paid_on = (
            select(func.array_agg(TrancheRow.paid_on))
            .where(
                TrancheRow.application_id == ApplicationRow.application_id,
                TrancheRow.institution_id == institution_id,
                TrancheRow.paid_on.is_not(None),
            )
            .scalar_subquery()
        )
        columns: list[Any] = [
            ApplicationRow.title,
            ApplicationRow.dauphin_normalised,
            OperatorRow.nom,
            OperatorRow.siret,
            OperatorRow.rna,
            FinancingLineRow.decided_cents,
            FinancingLineRow.decided_on,
            carried.c.reference,
            carried.c.signed_on,
            notified_at.label("notified_at"),
            tranches.label("tranches"),
            paid_on.label("paid_on"),
            CallRow.title.label("call_title"),
        ]
        query = (
            select(*columns)
            .join(FinancingLineRow, FinancingLineRow.application_id == ApplicationRow.application_id)
            .join(OperatorRow, OperatorRow.operator_id == ApplicationRow.operator_id)
            .join(CallRow, CallRow.call_id == ApplicationRow.call_id)
            .outerjoin(carried, carried.c.application_id == ApplicationRow.application_id)
            .where(
                ApplicationRow.contract_code == contract_code,
                ApplicationRow.year == year,
                ApplicationRow.state == "notified",
                FinancingLineRow.institution_id == institution_id,
                FinancingLineRow.decided_cents > 0,
            )
            .order_by(OperatorRow.nom, ApplicationRow.title)
        )
        return list((await self.session.execute(query)).all())
