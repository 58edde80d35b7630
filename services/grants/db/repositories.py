"""All queries of the grants service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageRequest
from services.grants.db.models import (
    ActionRow,
    AnnotationRow,
    ApplicationEventRow,
    ApplicationRow,
    BudgetLineRow,
    CallRow,
    EnvelopeRow,
    FinancingLineRow,
    InstitutionRow,
    ObjectiveRow,
    OperatorRow,
    PortfolioRulesRow,
    ScenarioAmountRow,
    ScenarioRow,
)

RowT = TypeVar("RowT")


class CallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_in_contracts(
        self, contracts: Collection[str] | None, year: int | None, page: PageRequest
    ) -> tuple[list[CallRow], int]:
        """Calls of the given contracts (None: all), newest year first."""
        query = select(CallRow)
        if contracts is not None:
            query = query.where(CallRow.contract_code.in_(list(contracts)))
        if year is not None:
            query = query.where(CallRow.year == year)
        total = (await self.session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        ordered = query.order_by(CallRow.year.desc(), CallRow.call_id).limit(page.limit).offset(page.offset)
        return list((await self.session.execute(ordered)).scalars().all()), int(total)

    async def get(self, call_id: uuid.UUID, *, for_update: bool = False) -> CallRow | None:
        query = select(CallRow).where(CallRow.call_id == call_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def exists(self, contract_code: str, year: int, scheme: str) -> bool:
        query = select(CallRow.call_id).where(
            CallRow.contract_code == contract_code, CallRow.year == year, CallRow.scheme == scheme
        )
        return (await self.session.execute(query)).first() is not None

    async def add(self, row: CallRow) -> None:
        self.session.add(row)
        await self.session.flush()


async def _page(session: AsyncSession, query: Select[RowT], page: PageRequest) -> tuple[list[RowT], int]:
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = (await session.execute(query.limit(page.limit).offset(page.offset))).scalars().all()
    return list(rows), int(total)


class FrameworkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_contract(self, contract_code: str) -> list[ObjectiveRow]:
        query = select(ObjectiveRow).where(ObjectiveRow.contract_code == contract_code)
        return list((await self.session.execute(query.order_by(ObjectiveRow.position))).scalars().all())

    async def replace(self, contract_code: str, rows: list[dict[str, Any]]) -> tuple[int, int]:
        """Upsert the tree's objectives and delete those it no longer has; (kept or added, deleted)."""
        keep = [row["objective_id"] for row in rows]
        removed = await self.session.execute(
            delete(ObjectiveRow)
            .where(ObjectiveRow.contract_code == contract_code, ObjectiveRow.objective_id.not_in(keep))
            .returning(ObjectiveRow.objective_id)
        )
        deleted = len(removed.all())
        if rows:
            statement = insert(ObjectiveRow)
            columns = [name for name in rows[0] if name != "objective_id"]
            upsert = statement.on_conflict_do_update(
                index_elements=["objective_id"], set_={name: statement.excluded[name] for name in columns}
            )
            await self.session.execute(upsert, rows)
        return len(rows), deleted

    async def operational(self, contract_code: str, ids: Collection[uuid.UUID]) -> list[ObjectiveRow]:
        query = select(ObjectiveRow).where(
            ObjectiveRow.contract_code == contract_code,
            ObjectiveRow.level == "operational",
            ObjectiveRow.objective_id.in_(list(ids)),
        )
        return list((await self.session.execute(query)).scalars().all())


class InstitutionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, contract_code: str) -> list[InstitutionRow]:
        query = select(InstitutionRow).where(InstitutionRow.contract_code == contract_code)
        return list((await self.session.execute(query.order_by(InstitutionRow.code))).scalars().all())

    async def get(self, institution_id: uuid.UUID) -> InstitutionRow | None:
        return await self.session.get(InstitutionRow, institution_id)

    async def by_code(self, contract_code: str, code: str) -> InstitutionRow | None:
        query = select(InstitutionRow).where(InstitutionRow.contract_code == contract_code, InstitutionRow.code == code)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, row: InstitutionRow) -> None:
        self.session.add(row)
        await self.session.flush()


class OperatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(
        self, contract_code: str, only: Collection[uuid.UUID] | None, page: PageRequest
    ) -> tuple[list[OperatorRow], int]:
        query = select(OperatorRow).where(OperatorRow.contract_code == contract_code)
        if only is not None:
            query = query.where(OperatorRow.operator_id.in_(list(only)))
        return await _page(self.session, query.order_by(OperatorRow.nom, OperatorRow.operator_id), page)

    async def get(self, operator_id: uuid.UUID, *, for_update: bool = False) -> OperatorRow | None:
        query = select(OperatorRow).where(OperatorRow.operator_id == operator_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_siret(self, contract_code: str, siret: str) -> OperatorRow | None:
        query = select(OperatorRow).where(OperatorRow.contract_code == contract_code, OperatorRow.siret == siret)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, row: OperatorRow) -> None:
        self.session.add(row)
        await self.session.flush()


class ApplicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def get(self, application_id: uuid.UUID, *, for_update: bool = False) -> ApplicationRow | None:
        query = select(ApplicationRow).where(ApplicationRow.application_id == application_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_action(self, action_id: uuid.UUID) -> ActionRow | None:
        return await self.session.get(ActionRow, action_id)

    async def exists_for_year(self, action_id: uuid.UUID, year: int) -> bool:
        query = select(ApplicationRow.application_id).where(
            ApplicationRow.action_id == action_id, ApplicationRow.year == year
        )
        return (await self.session.execute(query)).first() is not None

    async def find(
        self,
        contract_code: str,
        operators: Collection[uuid.UUID] | None,
        call_id: uuid.UUID | None,
        state: str | None,
        page: PageRequest,
    ) -> tuple[list[ApplicationRow], int]:
        query = select(ApplicationRow).where(ApplicationRow.contract_code == contract_code)
        if operators is not None:
            query = query.where(ApplicationRow.operator_id.in_(list(operators)))
        if call_id is not None:
            query = query.where(ApplicationRow.call_id == call_id)
        if state is not None:
            query = query.where(ApplicationRow.state == state)
        ordered = query.order_by(ApplicationRow.year.desc(), ApplicationRow.title, ApplicationRow.application_id)
        return await _page(self.session, ordered, page)

    async def budget(self, application_id: uuid.UUID) -> list[BudgetLineRow]:
        query = select(BudgetLineRow).where(BudgetLineRow.application_id == application_id)
        return list((await self.session.execute(query.order_by(BudgetLineRow.position))).scalars().all())

    async def replace_budget(self, application_id: uuid.UUID, rows: list[BudgetLineRow]) -> None:
        await self.session.execute(delete(BudgetLineRow).where(BudgetLineRow.application_id == application_id))
        self.session.add_all(rows)
        await self.session.flush()

    async def financing(self, application_id: uuid.UUID, *, for_update: bool = False) -> list[FinancingLineRow]:
        query = select(FinancingLineRow).where(FinancingLineRow.application_id == application_id)
        if for_update:
            query = query.with_for_update()
        return list((await self.session.execute(query)).scalars().all())

    async def remove_financing(self, application_id: uuid.UUID, institutions: Collection[uuid.UUID]) -> None:
        await self.session.execute(
            delete(FinancingLineRow).where(
                FinancingLineRow.application_id == application_id,
                FinancingLineRow.institution_id.in_(list(institutions)),
            )
        )

    async def events(self, application_id: uuid.UUID) -> list[ApplicationEventRow]:
        query = select(ApplicationEventRow).where(ApplicationEventRow.application_id == application_id)
        return list((await self.session.execute(query.order_by(ApplicationEventRow.at))).scalars().all())

    async def annotations(self, application_id: uuid.UUID, institution_code: str) -> list[AnnotationRow]:
        query = select(AnnotationRow).where(
            AnnotationRow.application_id == application_id, AnnotationRow.institution_code == institution_code
        )
        return list((await self.session.execute(query.order_by(AnnotationRow.created_at))).scalars().all())


LIVE_STATES = (
    "submitted",
    "receivable",
    "under_instruction",
    "correction_requested",
    "proposed",
    "decided",
    "notified",
)


class ProgrammationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def envelopes(self, call_id: uuid.UUID) -> list[EnvelopeRow]:
        query = select(EnvelopeRow).where(EnvelopeRow.call_id == call_id)
        return list((await self.session.execute(query)).scalars().all())

    async def envelope(self, call_id: uuid.UUID, institution_id: uuid.UUID) -> EnvelopeRow | None:
        query = select(EnvelopeRow).where(EnvelopeRow.call_id == call_id, EnvelopeRow.institution_id == institution_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def rules(self, call_id: uuid.UUID) -> PortfolioRulesRow | None:
        return await self.session.get(PortfolioRulesRow, call_id)

    async def scenario(self, scenario_id: uuid.UUID, *, for_update: bool = False) -> ScenarioRow | None:
        query = select(ScenarioRow).where(ScenarioRow.scenario_id == scenario_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def amounts(self, scenario_id: uuid.UUID) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
        query = select(
            ScenarioAmountRow.application_id, ScenarioAmountRow.institution_id, ScenarioAmountRow.amount_cents
        )
        rows = (await self.session.execute(query.where(ScenarioAmountRow.scenario_id == scenario_id))).all()
        return {(row[0], row[1]): row[2] for row in rows}

    async def set_amounts(self, scenario_id: uuid.UUID, amounts: dict[tuple[uuid.UUID, uuid.UUID], int]) -> None:
        if not amounts:
            return
        statement = insert(ScenarioAmountRow)
        upsert = statement.on_conflict_do_update(
            index_elements=["scenario_id", "application_id", "institution_id"],
            set_={"amount_cents": statement.excluded.amount_cents},
        )
        await self.session.execute(
            upsert,
            [
                {"scenario_id": scenario_id, "application_id": app, "institution_id": inst, "amount_cents": cents}
                for (app, inst), cents in amounts.items()
            ],
        )

    async def live_applications(self, call_id: uuid.UUID) -> list[Any]:
        """Each submitted application of the call with its title, hors-QPV flag, renewal link and pillar."""
        query = (
            select(
                ApplicationRow.application_id,
                ApplicationRow.title,
                ApplicationRow.hors_qpv,
                ApplicationRow.previous_application_id,
                ApplicationRow.state,
                ObjectiveRow.pillar,
            )
            .outerjoin(ObjectiveRow, ObjectiveRow.objective_id == ApplicationRow.primary_objective_id)
            .where(ApplicationRow.call_id == call_id, ApplicationRow.state.in_(LIVE_STATES))
        )
        return list((await self.session.execute(query)).all())

    async def requested(self, call_id: uuid.UUID) -> list[Any]:
        query = (
            select(
                FinancingLineRow.application_id,
                FinancingLineRow.institution_id,
                FinancingLineRow.requested_cents,
                FinancingLineRow.proposed_cents,
            )
            .join(ApplicationRow, ApplicationRow.application_id == FinancingLineRow.application_id)
            .where(ApplicationRow.call_id == call_id, ApplicationRow.state.in_(LIVE_STATES))
        )
        return list((await self.session.execute(query)).all())

    async def decided_by(
        self, application_ids: Collection[uuid.UUID], institution_id: uuid.UUID
    ) -> dict[uuid.UUID, int]:
        query = select(FinancingLineRow.application_id, FinancingLineRow.decided_cents).where(
            FinancingLineRow.application_id.in_(list(application_ids)),
            FinancingLineRow.institution_id == institution_id,
            FinancingLineRow.decided_cents.is_not(None),
        )
        return {row[0]: row[1] or 0 for row in (await self.session.execute(query)).all()}
