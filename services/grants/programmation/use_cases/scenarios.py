"""What-if scenarios of a call's programmation, checked live against its portfolio rules, and the comité
des financeurs that freezes one scenario into the financers' proposals (all of them or none), by the same
rules as the check (`_checked`)."""

from __future__ import annotations

import uuid
from datetime import date

from identity.principal import Principal
from kit.etags import etag_of
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.workflow import State
from services.grants.applications.use_cases.workflow import agree_as_committee
from services.grants.errors import NotFoundError, RulesBrokenError, RuleViolationError
from services.grants.framework.domain import Pillar
from services.grants.institutions.repository import InstitutionRepository
from services.grants.persistence import Audited
from services.grants.programmation.domain.portfolio import ApplicationFacts, Readiness, freeze_check
from services.grants.programmation.domain.scenarios import (
    Committee,
    Scenario,
    ScenarioStatus,
    ScenarioView,
    check_freezable,
    check_programmer,
    reads_programmation,
)
from services.grants.programmation.models import CommitteeRow, ScenarioRow
from services.grants.programmation.repository.scenarios import ProgrammationRepository, scenario_of
from services.grants.programmation.use_cases.envelopes import programmed_call

SCENARIOS = Audited("scenario")


def scenario_etag(scenario: Scenario | ScenarioRow) -> str:
    return etag_of(str(scenario.scenario_id), scenario.version)


async def _checked(uow: UnitOfWork, scenario: ScenarioRow) -> ScenarioView:
    """The scenario's amounts and the rules evaluated on them now: the check's and the freeze's, the same."""
    repository = ProgrammationRepository(uow.session)
    institutions = await InstitutionRepository(uow.session).of_contract(scenario.contract_code)
    p147 = next((key for key, item in institutions.items() if item.is_state_p147), None)
    amounts = await repository.amounts(scenario.scenario_id)
    live = await repository.live_applications(scenario.call_id)
    requested: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
    programmed: set[uuid.UUID] = set()
    for application_id, institution_id, cents, _, committee_id in await repository.requested(scenario.call_id):
        requested.setdefault(application_id, {})[institution_id] = cents
        if committee_id is not None:
            programmed.add(application_id)
    previous_ids = [row.previous_application_id for row in live if row.previous_application_id]
    previous_p147 = await repository.decided_by(previous_ids, p147) if p147 and previous_ids else {}
    facts = {
        row.application_id: ApplicationFacts(
            application_id=row.application_id,
            title=row.title,
            requested=requested.get(row.application_id, {}),
            hors_qpv=row.hors_qpv,
            renewal=row.previous_application_id is not None,
            previous_p147_cents=previous_p147.get(row.previous_application_id) if row.previous_application_id else None,
            pillar=Pillar(row.pillar) if row.pillar else None,
        )
        for row in live
    }
    envelopes = {item.institution_id: item for item in await repository.envelopes(scenario.call_id)}
    names = {key: item.nom for key, item in institutions.items()}
    rules = await repository.rules(scenario.call_id)
    present = {key: cents for key, cents in amounts.items() if key[0] in facts}
    readiness = (
        {row.application_id: Readiness(row.title, State(row.state), row.application_id in programmed) for row in live}
        if scenario.status == ScenarioStatus.DRAFT.value
        else None
    )
    check = freeze_check(present, facts, envelopes, names, p147, rules, readiness)
    return ScenarioView(
        scenario_of(scenario),
        present,
        check,
        {key: item.code for key, item in institutions.items()},
        {key: value.title for key, value in facts.items()},
    )


async def create_scenario(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, name: str) -> ScenarioView:
    """A scenario pre-filled with the amounts the financers proposed on their lines."""
    async with uow:
        call = await programmed_call(uow, actor, call_id)
        check_programmer(actor, "scenarios")
        repository = ProgrammationRepository(uow.session)
        scenario = ScenarioRow(
            scenario_id=uuid.uuid4(),
            call_id=call_id,
            contract_code=call.contract_code,
            name=name,
            status=ScenarioStatus.DRAFT.value,
            version=1,
            created_by=actor.subject,
            created_at=uow.now(),
        )
        await repository.add(scenario)
        proposed = {
            (application_id, institution_id): proposed_cents
            for application_id, institution_id, _, proposed_cents, _ in await repository.requested(call_id)
            if proposed_cents is not None
        }
        await repository.set_amounts(scenario.scenario_id, proposed)
        await SCENARIOS.changed(
            uow,
            actor,
            str(scenario.scenario_id),
            action="scenario.created",
            before={},
            after={"call": str(call_id), "name": name, "amounts": len(proposed)},
        )
        view = await _checked(uow, scenario)
        await uow.commit()
    return view


async def _scenario(
    uow: UnitOfWork, actor: Principal, scenario_id: uuid.UUID, *, for_update: bool = False
) -> ScenarioRow:
    scenario = await ProgrammationRepository(uow.session).scenario(scenario_id, for_update=for_update)
    if scenario is None or not reads_programmation(actor, scenario.contract_code):
        raise NotFoundError("scenario", str(scenario_id))
    return scenario


async def get_scenario(uow: UnitOfWork, actor: Principal, scenario_id: uuid.UUID) -> ScenarioView:
    async with uow.reading():
        return await _checked(uow, await _scenario(uow, actor, scenario_id))


async def _draft_scenario(uow: UnitOfWork, actor: Principal, scenario_id: uuid.UUID, already: str) -> ScenarioRow:
    """The scenario, locked, if the caller programmes its call, its If-Match holds and it is not frozen."""
    scenario = await _scenario(uow, actor, scenario_id, for_update=True)
    check_programmer(actor, "scenarios")
    uow.check_precondition(scenario_etag(scenario))
    check_freezable(scenario_of(scenario), already)
    return scenario


async def set_amounts(
    uow: UnitOfWork,
    actor: Principal,
    scenario_id: uuid.UUID,
    amounts: dict[tuple[uuid.UUID, uuid.UUID], int],
) -> ScenarioView:
    """Change proposed amounts; the answer carries the rules evaluated on the result."""
    async with uow:
        scenario = await _draft_scenario(uow, actor, scenario_id, "a frozen scenario does not change")
        repository = ProgrammationRepository(uow.session)
        lines = {(row[0], row[1]) for row in await repository.requested(scenario.call_id)}
        unknown = [f"{app}/{inst}" for app, inst in amounts if (app, inst) not in lines]
        if unknown:
            message = f"no financing line of a submitted application of this call: {', '.join(sorted(unknown)[:10])}"
            raise RuleViolationError("amounts", "financing-line-of-call", message)
        previous = await repository.amounts(scenario_id)
        await repository.set_amounts(scenario_id, amounts)
        scenario.version += 1
        await SCENARIOS.changed(
            uow,
            actor,
            str(scenario_id),
            action="scenario.amounts_set",
            before={
                "amountsCents": {f"{app}/{inst}": previous.get((app, inst)) for app, inst in amounts},
                "version": scenario.version - 1,
            },
            after={
                "amountsCents": {f"{app}/{inst}": cents for (app, inst), cents in amounts.items()},
                "version": scenario.version,
            },
        )
        view = await _checked(uow, scenario)
        await uow.commit()
    return view


async def freeze(
    uow: UnitOfWork,
    actor: Principal,
    scenario_id: uuid.UUID,
    held_on: date,
    co_chairs: list[str],
    attendees: list[str],
) -> tuple[ScenarioView, Committee]:
    """The comité's programmation: every financing line of every proposed application proposed as the
    scenario says (nothing: 0 €) and recorded with the comité, for each financer to decide — or nothing at
    all. The rules are the check's, evaluated again with the applications locked: a rule broken since the
    check is named."""
    async with uow:
        scenario = await _draft_scenario(uow, actor, scenario_id, "this scenario is frozen already")
        repository = ProgrammationRepository(uow.session)
        await repository.lock_applications(
            {application_id for application_id, _ in await repository.amounts(scenario_id)}
        )
        view = await _checked(uow, scenario)
        if view.check.blocking:
            raise RulesBrokenError(
                [RuleViolationError("scenario", finding.rule, finding.message) for finding in view.check.blocking]
            )
        committee = CommitteeRow(
            committee_id=uuid.uuid4(),
            call_id=scenario.call_id,
            scenario_id=scenario_id,
            held_on=held_on,
            co_chairs=co_chairs,
            attendees=attendees,
            created_at=uow.now(),
        )
        await repository.add(committee)
        programmed = await agree_as_committee(uow, actor, view.amounts, committee.committee_id, held_on)
        scenario.status, scenario.version = ScenarioStatus.FROZEN.value, scenario.version + 1
        await SCENARIOS.changed(
            uow,
            actor,
            str(scenario_id),
            action="scenario.frozen",
            before={"status": ScenarioStatus.DRAFT.value},
            after={
                "status": ScenarioStatus.FROZEN.value,
                "applications": programmed,
                "committeeId": str(committee.committee_id),
                "heldOn": held_on.isoformat(),
            },
        )
        frozen = await _checked(uow, scenario)
        await uow.commit()
    return frozen, Committee(committee.committee_id, held_on, co_chairs, attendees)
