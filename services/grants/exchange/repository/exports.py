"""The queries of the files the contract sends out: a call's programmation in a few set-wise reads (never one
query per application: a national call has some 100,000 financing lines), and a financer's decided grants
for the open data."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.engine import Result
from sqlalchemy.sql.expression import Executable

from services.grants.applications.domain.workflow import State
from services.grants.applications.models import ApplicationRow, FinancingLineRow
from services.grants.calls.models import CallRow
from services.grants.conventions.models import ConventionApplicationRow, ConventionRow
from services.grants.exchange.domain.programmation_export import LineFigures
from services.grants.exchange.repository.decision_sources import decision_days, paid_commitments
from services.grants.operators.models import OperatorRow
from services.grants.payments.domain import TrancheStatus
from services.grants.payments.models import TrancheRow
from services.grants.persistence import Repository
from services.grants.programmation.repository.scenarios import LIVE_STATES


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
    served_vulnerability_zones: list[str]
    venues: list[dict[str, str]]
    beneficiaries: dict[str, Any] | None
    state: str
    budget_charges_cents: int
    budget_own_funds_cents: int
    budget_in_kind_cents: int
    siret: str
    rna: str | None
    nom: str
    profile: str


def _in_programmation(call_id: uuid.UUID) -> ColumnElement[bool]:
    """The call's applications the programmation shows (submitted, not out of it): drafts are the operators'
    own until they submit them, and the export is the programmation's table."""
    return and_(ApplicationRow.call_id == call_id, ApplicationRow.state.in_(LIVE_STATES))


class ExportRepository(Repository):
    async def _rows(self, query: Executable) -> Result[*tuple[Any, ...]]:
        """Columns read through Core, without the ORM's row loading (100,000 plain rows in an export)."""
        connection = await self.session.connection()
        return await connection.execute(query)

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
                ApplicationRow.served_vulnerability_zones,
                ApplicationRow.venues,
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
            .where(_in_programmation(call_id))
            .order_by(ApplicationRow.title, ApplicationRow.application_id)
        )
        return [ExportedApplication._make(row) for row in (await self._rows(query)).all()]

    async def financing(self, call_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID, LineFigures]]:
        """(application, institution, figures) of every line: a national call has some 100,000. With the day
        the application was decided and the EJ the line was paid under, for the line that holds neither."""
        line = FinancingLineRow
        of_call = _in_programmation(call_id)
        decided, paid = decision_days(of_call), paid_commitments(of_call)
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
            decided.c.day,
            paid.c.commitment,
        ]
        query = (
            select(*columns)
            .join(ApplicationRow, ApplicationRow.application_id == line.application_id)
            .outerjoin(decided, decided.c.application_id == line.application_id)
            .outerjoin(
                paid, (paid.c.application_id == line.application_id) & (paid.c.institution_id == line.institution_id)
            )
            .where(of_call)
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

    async def decided_grants(self, contract_code: str, year: int, institution_id: uuid.UUID) -> list[Any]:
        """One financer's granted lines of notified applications: with the operator, the signed convention
        carrying the year if any, the date of the notification letter, the call's title, the tranches and
        days paid."""
        carried = (
            select(ConventionApplicationRow.application_id, ConventionRow.reference, ConventionRow.signed_on)
            .join(ConventionRow, ConventionRow.convention_id == ConventionApplicationRow.convention_id)
            .subquery()
        )
        tranches = (
            select(func.count())
            .where(
                TrancheRow.application_id == ApplicationRow.application_id, TrancheRow.institution_id == institution_id
            )
            .where(TrancheRow.status != TrancheStatus.REPLACED.value)
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
            ApplicationRow.notified_on,
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
                ApplicationRow.state == State.NOTIFIED.value,
                FinancingLineRow.institution_id == institution_id,
                FinancingLineRow.decided_cents > 0,
            )
            .order_by(OperatorRow.nom, ApplicationRow.title)
        )
        return list((await self.session.execute(query)).all())
