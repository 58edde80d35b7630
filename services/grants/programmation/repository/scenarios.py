"""The programmation's queries on envelopes, portfolio rules, scenarios and the lines they propose."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.grants.applications.domain.workflow import LIVE
from services.grants.applications.models import ApplicationRow, FinancingLineRow
from services.grants.calls.models import CallRow
from services.grants.framework.models import ObjectiveRow
from services.grants.persistence import Repository
from services.grants.programmation.domain.portfolio import Envelope, PortfolioRules
from services.grants.programmation.domain.scenarios import Scenario, ScenarioStatus
from services.grants.programmation.models import EnvelopeRow, PortfolioRulesRow, ScenarioAmountRow, ScenarioRow

LIVE_STATES = sorted(state.value for state in LIVE)


def envelope_of(row: EnvelopeRow) -> Envelope:
    return Envelope(row.institution_id, row.amount_cents, row.departmental_cents, row.envelope_id)


def rules_of(row: PortfolioRulesRow | None) -> PortfolioRules:
    """The call's rules; the defaults until they are set."""
    if row is None:
        return PortfolioRules()
    return PortfolioRules(row.hors_qpv_cap, row.degressivity_rate, row.new_actions_target, row.cohesion_target)


def scenario_of(row: ScenarioRow) -> Scenario:
    return Scenario(row.scenario_id, row.call_id, row.contract_code, row.name, ScenarioStatus(row.status), row.version)


class ProgrammationRepository(Repository):
    async def envelopes(self, call_id: uuid.UUID) -> list[Envelope]:
        return [envelope_of(row) for row in await self._all(select(EnvelopeRow).where(EnvelopeRow.call_id == call_id))]

    async def envelope(self, call_id: uuid.UUID, institution_id: uuid.UUID) -> EnvelopeRow | None:
        return await self._one(
            select(EnvelopeRow).where(EnvelopeRow.call_id == call_id, EnvelopeRow.institution_id == institution_id)
        )

    async def envelope_voted(self, call_id: uuid.UUID, institution_id: uuid.UUID) -> bool:
        """The financer's envelope for the call exists: its credits are voted."""
        return await self.envelope(call_id, institution_id) is not None

    async def rules_row(self, call_id: uuid.UUID) -> PortfolioRulesRow | None:
        return await self.session.get(PortfolioRulesRow, call_id)

    async def rules(self, call_id: uuid.UUID) -> PortfolioRules:
        return rules_of(await self.rules_row(call_id))

    async def scenario(self, scenario_id: uuid.UUID, *, for_update: bool = False) -> ScenarioRow | None:
        return await self._one(select(ScenarioRow).where(ScenarioRow.scenario_id == scenario_id), for_update=for_update)

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
        """The financing lines of the call's live applications. The call's contract and year narrow the
        lines to their index range (looked up once): one index probe per application, never a scan of
        every year's lines."""
        call = select(CallRow).where(CallRow.call_id == call_id).subquery()
        query = (
            select(
                FinancingLineRow.application_id,
                FinancingLineRow.institution_id,
                FinancingLineRow.requested_cents,
                FinancingLineRow.proposed_cents,
                FinancingLineRow.committee_id,
            )
            .join(ApplicationRow, ApplicationRow.application_id == FinancingLineRow.application_id)
            .where(
                ApplicationRow.call_id == call_id,
                ApplicationRow.state.in_(LIVE_STATES),
                FinancingLineRow.contract_code == select(call.c.contract_code).scalar_subquery(),
                FinancingLineRow.year == select(call.c.year).scalar_subquery(),
            )
        )
        return list((await self.session.execute(query)).all())

    async def lock_applications(self, application_ids: Collection[uuid.UUID]) -> None:
        """The applications locked until the transaction ends, in one order on every path (their ids')."""
        if application_ids:
            query = (
                select(ApplicationRow.application_id)
                .where(ApplicationRow.application_id.in_(sorted(application_ids, key=str)))
                .order_by(ApplicationRow.application_id)
                .with_for_update()
            )
            await self.session.execute(query)

    async def decided_by(
        self, application_ids: Collection[uuid.UUID], institution_id: uuid.UUID
    ) -> dict[uuid.UUID, int]:
        query = select(FinancingLineRow.application_id, FinancingLineRow.decided_cents).where(
            FinancingLineRow.application_id.in_(list(application_ids)),
            FinancingLineRow.institution_id == institution_id,
            FinancingLineRow.decided_cents.is_not(None),
        )
        return {row[0]: row[1] or 0 for row in (await self.session.execute(query)).all()}
