"""All queries of the grants service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    Select,
    Text,
    Uuid,
    any_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kit.pagination import PageRequest, fetch_page
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
    ScoreRow,
    ScoringGridRow,
)


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
        return await fetch_page(self.session, query.order_by(CallRow.year.desc(), CallRow.call_id), page)

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
        return await fetch_page(self.session, query.order_by(OperatorRow.nom, OperatorRow.operator_id), page)

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
        if state is not None:
            query = query.where(ApplicationRow.state == state)
        if call_id is not None:
            # One call is one year: its title order is the index's.
            ordered = query.where(ApplicationRow.call_id == call_id).order_by(
                ApplicationRow.title, ApplicationRow.application_id
            )
        else:
            ordered = query.order_by(ApplicationRow.year.desc(), ApplicationRow.title, ApplicationRow.application_id)
        return await fetch_page(self.session, ordered, page)

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


@dataclass(frozen=True, slots=True)
class ProgrammationFilter:
    contract_code: str
    year: int | None = None
    scheme: str | None = None
    operator_id: uuid.UUID | None = None
    qpv_code: str | None = None
    objective_id: uuid.UUID | None = None
    pillar: str | None = None
    state: str | None = None
    institution_id: uuid.UUID | None = None


class ProgrammationViews:
    """The pilot's and the State's tables and totals, aggregated in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _chosen(chosen: ProgrammationFilter, *columns: Any) -> Select[Any]:
        """The chosen applications; joined to calls and objectives only when a filter needs them."""
        query = (
            select(*columns)
            .select_from(ApplicationRow)
            .where(ApplicationRow.contract_code == chosen.contract_code, ApplicationRow.state.in_(LIVE_STATES))
        )
        if chosen.scheme is not None:
            query = query.join(CallRow, CallRow.call_id == ApplicationRow.call_id).where(
                CallRow.scheme == chosen.scheme
            )
        if chosen.pillar is not None:
            query = query.join(ObjectiveRow, ObjectiveRow.objective_id == ApplicationRow.primary_objective_id).where(
                ObjectiveRow.pillar == chosen.pillar
            )
        if chosen.year is not None:
            query = query.where(ApplicationRow.year == chosen.year)
        if chosen.operator_id is not None:
            query = query.where(ApplicationRow.operator_id == chosen.operator_id)
        if chosen.qpv_code is not None:
            query = query.where(literal(chosen.qpv_code) == any_(ApplicationRow.qpv_codes))
        if chosen.objective_id is not None:
            query = query.where(
                or_(
                    ApplicationRow.primary_objective_id == chosen.objective_id,
                    literal(chosen.objective_id, type_=Uuid) == any_(ApplicationRow.other_objective_ids),
                )
            )
        if chosen.state is not None:
            query = query.where(ApplicationRow.state == chosen.state)
        if chosen.institution_id is not None:
            query = query.where(
                exists().where(
                    FinancingLineRow.application_id == ApplicationRow.application_id,
                    FinancingLineRow.institution_id == chosen.institution_id,
                )
            )
        return query

    async def rows(self, chosen: ProgrammationFilter, page: PageRequest) -> tuple[list[Any], list[Any], int]:
        """A page of applications with operator, scheme and objective, and their financing lines."""
        total = (
            await self.session.execute(select(func.count()).select_from(self._chosen(chosen, literal(1)).subquery()))
        ).scalar_one()
        # The page's ids first, in index order; then their details.
        ids = (
            self._chosen(chosen, ApplicationRow.application_id)
            .order_by(ApplicationRow.year.desc(), ApplicationRow.title, ApplicationRow.application_id)
            .limit(page.limit)
            .offset(page.offset)
        )
        page_ids = list((await self.session.execute(ids)).scalars().all())
        if not page_ids:
            return [], [], int(total)
        details = (
            select(
                ApplicationRow.application_id,
                ApplicationRow.title,
                ApplicationRow.year,
                CallRow.scheme,
                ApplicationRow.state,
                ApplicationRow.outcome,
                ApplicationRow.qpv_codes,
                ApplicationRow.hors_qpv,
                OperatorRow.operator_id,
                OperatorRow.nom,
                OperatorRow.profile,
                ObjectiveRow.code,
                ObjectiveRow.pillar,
            )
            .join(CallRow, CallRow.call_id == ApplicationRow.call_id)
            .join(OperatorRow, OperatorRow.operator_id == ApplicationRow.operator_id)
            .outerjoin(ObjectiveRow, ObjectiveRow.objective_id == ApplicationRow.primary_objective_id)
            .where(ApplicationRow.application_id.in_(page_ids))
        )
        by_id = {row.application_id: row for row in (await self.session.execute(details)).all()}
        lines = (
            select(
                FinancingLineRow.application_id,
                InstitutionRow.code,
                FinancingLineRow.requested_cents,
                FinancingLineRow.proposed_cents,
                FinancingLineRow.decided_cents,
            )
            .join(InstitutionRow, InstitutionRow.institution_id == FinancingLineRow.institution_id)
            .where(FinancingLineRow.application_id.in_(page_ids))
        )
        return [by_id[key] for key in page_ids], list((await self.session.execute(lines)).all()), int(total)

    async def totals(self, chosen: ProgrammationFilter) -> dict[str, list[Any]]:
        """Totals per financer, pillar, ambition, QPV and operator profile, and the evaluation's counts,
        in one statement: the chosen applications and their sums are computed once (CTEs)."""
        apps = self._chosen(
            chosen,
            ApplicationRow.application_id,
            ApplicationRow.operator_id,
            ApplicationRow.primary_objective_id,
            ApplicationRow.hors_qpv,
            ApplicationRow.qpv_codes,
            ApplicationRow.beneficiaries,
        ).cte("chosen")
        # Each chosen application's lines through the primary key (a lateral lookup), never a scan of
        # every financing line of every year.
        own = (
            select(
                FinancingLineRow.institution_id,
                FinancingLineRow.requested_cents,
                FinancingLineRow.proposed_cents,
                FinancingLineRow.decided_cents,
            )
            .where(FinancingLineRow.application_id == apps.c.application_id)
            .lateral("own")
        )
        lines = (
            select(
                apps.c.application_id.label("application_id"),
                own.c.institution_id,
                own.c.requested_cents,
                own.c.proposed_cents,
                own.c.decided_cents,
            )
            .select_from(apps)
            .join(own, literal(True))
            .cte("lines")
        )
        per_app = (
            select(
                lines.c.application_id.label("application_id"),
                func.sum(lines.c.requested_cents).label("requested"),
                func.coalesce(func.sum(lines.c.proposed_cents), 0).label("proposed"),
                func.coalesce(func.sum(lines.c.decided_cents), 0).label("decided"),
            )
            .group_by(lines.c.application_id)
            .cte("per_app")
        )
        sums = (
            func.count(per_app.c.application_id),
            func.coalesce(func.sum(per_app.c.requested), 0),
            func.coalesce(func.sum(per_app.c.proposed), 0),
            func.coalesce(func.sum(per_app.c.decided), 0),
        )
        strategic, ambition = aliased(ObjectiveRow), aliased(ObjectiveRow)
        served = select(
            apps.c.application_id.label("application_id"),
            func.unnest(
                case((apps.c.hors_qpv, literal(["hors-QPV"], type_=ARRAY(Text))), else_=apps.c.qpv_codes)
            ).label("qpv_code"),
        ).subquery()

        def keyed(dimension: str, key: Any, query: Any) -> Any:
            return query.add_columns(literal(dimension).label("dimension"), cast(key, Text).label("key"))

        by_financer = (
            select(
                func.count(lines.c.application_id),
                func.sum(lines.c.requested_cents),
                func.coalesce(func.sum(lines.c.proposed_cents), 0),
                func.coalesce(func.sum(lines.c.decided_cents), 0),
            )
            .select_from(lines)
            .join(InstitutionRow, InstitutionRow.institution_id == lines.c.institution_id)
            .group_by(InstitutionRow.code)
        )
        by_pillar = (
            select(*sums)
            .select_from(apps)
            .join(per_app, per_app.c.application_id == apps.c.application_id)
            .outerjoin(ObjectiveRow, ObjectiveRow.objective_id == apps.c.primary_objective_id)
            .group_by(ObjectiveRow.pillar)
        )
        by_ambition = (
            select(*sums)
            .select_from(apps)
            .join(per_app, per_app.c.application_id == apps.c.application_id)
            .outerjoin(ObjectiveRow, ObjectiveRow.objective_id == apps.c.primary_objective_id)
            .outerjoin(strategic, strategic.objective_id == ObjectiveRow.parent_id)
            .outerjoin(ambition, ambition.objective_id == strategic.parent_id)
            .group_by(ambition.label)
        )
        by_qpv = (
            select(*sums)
            .select_from(served)
            .join(per_app, per_app.c.application_id == served.c.application_id)
            .group_by(served.c.qpv_code)
        )
        by_profile = (
            select(*sums)
            .select_from(apps)
            .join(per_app, per_app.c.application_id == apps.c.application_id)
            .join(OperatorRow, OperatorRow.operator_id == apps.c.operator_id)
            .group_by(OperatorRow.profile)
        )
        counts = (
            select(
                func.count(apps.c.application_id),
                func.count(apps.c.application_id).filter(per_app.c.decided > 0),
                func.count(func.distinct(apps.c.operator_id)),
                func.coalesce(func.sum(apps.c.beneficiaries["total"].as_integer()), 0),
            )
            .select_from(apps)
            .join(per_app, per_app.c.application_id == apps.c.application_id)
        )
        everything = union_all(
            keyed("financer", InstitutionRow.code, by_financer),
            keyed("pillar", ObjectiveRow.pillar, by_pillar),
            keyed("ambition", ambition.label, by_ambition),
            keyed("qpv", served.c.qpv_code, by_qpv),
            keyed("profile", OperatorRow.profile, by_profile),
            keyed("counts", literal(None, type_=Text), counts),
        )
        results: dict[str, list[Any]] = {
            "financer": [],
            "pillar": [],
            "ambition": [],
            "qpv": [],
            "profile": [],
            "counts": [],
        }
        for first, second, third, fourth, dimension, key in (await self.session.execute(everything)).all():
            if dimension == "counts":
                results["counts"].append((first, second, third, fourth))
            else:
                results[dimension].append((key, first, second, third, fourth))
        for rows in results.values():
            rows.sort(key=lambda row: (row[0] is None, str(row[0])))
        return results


class ScoringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: ScoringGridRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def grids(self, call_id: uuid.UUID) -> list[ScoringGridRow]:
        query = select(ScoringGridRow).where(ScoringGridRow.call_id == call_id)
        return list(
            (await self.session.execute(query.order_by(ScoringGridRow.code, ScoringGridRow.version))).scalars().all()
        )

    async def grid(self, grid_id: uuid.UUID) -> ScoringGridRow | None:
        return await self.session.get(ScoringGridRow, grid_id)

    async def set_marks(self, rows: list[dict[str, Any]]) -> None:
        statement = insert(ScoreRow)
        upsert = statement.on_conflict_do_update(
            index_elements=["application_id", "grid_id", "criterion", "institution_code"],
            set_={
                "value": statement.excluded.value,
                "comment": statement.excluded.comment,
                "author": statement.excluded.author,
                "scored_at": func.now(),
            },
        )
        await self.session.execute(upsert, rows)

    async def marks(self, application_id: uuid.UUID, institution_code: str) -> list[ScoreRow]:
        query = select(ScoreRow).where(
            ScoreRow.application_id == application_id, ScoreRow.institution_code == institution_code
        )
        return list((await self.session.execute(query.order_by(ScoreRow.criterion))).scalars().all())
