"""Envelopes, portfolio rules, what-if scenarios checked live, and the comité des financeurs that
freezes one scenario into decisions (all of them or none)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from kit.auth.principal import Principal, Role
from kit.etags import etag_of, etag_of_content
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.financing import LineDecision, Outcome, outcome_of
from services.grants.applications.domain.workflow import State, Transition
from services.grants.applications.models import ApplicationEventRow
from services.grants.applications.repository import ApplicationRepository, financing_line_of
from services.grants.calls.models import CallRow
from services.grants.calls.repository import CallRepository
from services.grants.db.models import CommitteeRow, EnvelopeRow, PortfolioRulesRow, ScenarioRow
from services.grants.db.repositories import ProgrammationRepository
from services.grants.domain.portfolio import (
    ApplicationFacts,
    Envelope,
    PortfolioCheck,
    PortfolioRules,
    check_portfolio,
)
from services.grants.errors import (
    ForbiddenMoveError,
    NotEditableError,
    NotFoundError,
    RulesBrokenError,
    RuleViolationError,
)
from services.grants.framework.domain import Pillar
from services.grants.institutions.domain import InstitutionKind
from services.grants.institutions.models import InstitutionRow
from services.grants.institutions.repository import InstitutionRepository
from services.grants.persistence import ledger

PROGRAMMERS = frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE})
READERS = PROGRAMMERS | {Role.CO_FINANCER, Role.AUDITOR}


def _may(actor: Principal, roles: frozenset[Role], contract_code: str, what: str) -> None:
    if not actor.works_on(contract_code) or not actor.roles & READERS:
        raise NotFoundError(what, "")
    if not actor.roles & roles:
        raise ForbiddenMoveError(f"only the contract's pilots and the State change the {what}")


async def _call(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, *, lock: bool = False) -> CallRow:
    """The call, if the caller reads its contract; `lock` serialises the writes of its envelopes and rules."""
    call = await CallRepository(uow.session).get(call_id, for_update=lock)
    if call is None or not actor.works_on(call.contract_code) or not actor.roles & READERS:
        raise NotFoundError("call for projects", str(call_id))
    return call


async def _institutions(uow: UnitOfWork, contract_code: str) -> dict[uuid.UUID, InstitutionRow]:
    return {row.institution_id: row for row in await InstitutionRepository(uow.session).list(contract_code)}


async def set_envelope(
    uow: UnitOfWork,
    actor: Principal,
    call_id: uuid.UUID,
    institution_id: uuid.UUID,
    amount_cents: int,
    departmental_cents: int | None,
) -> EnvelopeRow:
    async with uow:
        call = await _call(uow, actor, call_id, lock=True)
        _may(actor, PROGRAMMERS, call.contract_code, "envelopes")
        institution = (await _institutions(uow, call.contract_code)).get(institution_id)
        if institution is None:
            raise NotFoundError("institution", str(institution_id))
        if departmental_cents is not None and institution.kind != InstitutionKind.STATE_P147.value:
            raise RuleViolationError(
                "departmentalAmount", "p147-only", "only the State's P147 envelope has a departmental amount"
            )
        repository = ProgrammationRepository(uow.session)
        row = await repository.envelope(call_id, institution_id)
        uow.check_precondition(None if row is None else envelope_etag(row))
        before = None if row is None else {"amount": row.amount_cents, "departmental": row.departmental_cents}
        if row is None:
            row = EnvelopeRow(envelope_id=uuid.uuid4(), call_id=call_id, institution_id=institution_id, amount_cents=0)
            await repository.add(row)
        row.amount_cents = amount_cents
        row.departmental_cents = departmental_cents
        await ledger.changed(
            uow.session,
            actor,
            action="envelope.set",
            entity_type="envelope",
            entity_id=str(row.envelope_id),
            before=before,
            after={"amount": amount_cents, "departmental": departmental_cents},
        )
        await uow.commit()
    return row


def envelope_etag(row: EnvelopeRow) -> str:
    """An envelope carries no version: its ETag is the digest of its amounts."""
    return etag_of_content(str(row.envelope_id), str(row.amount_cents), str(row.departmental_cents))


async def get_envelope(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, institution_id: uuid.UUID) -> EnvelopeRow:
    async with uow.reading():
        await _call(uow, actor, call_id)
        row = await ProgrammationRepository(uow.session).envelope(call_id, institution_id)
    if row is None:
        raise NotFoundError("envelope", f"{call_id}/{institution_id}")
    return row


async def list_envelopes(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID) -> list[EnvelopeRow]:
    async with uow.reading():
        await _call(uow, actor, call_id)
        return await ProgrammationRepository(uow.session).envelopes(call_id)


def rules_of(row: PortfolioRulesRow | None) -> PortfolioRules:
    if row is None:
        return PortfolioRules()
    return PortfolioRules(row.hors_qpv_cap, row.degressivity_rate, row.new_actions_target, row.cohesion_target)


async def get_rules(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID) -> PortfolioRules:
    async with uow.reading():
        await _call(uow, actor, call_id)
        return rules_of(await ProgrammationRepository(uow.session).rules(call_id))


def rules_etag(call_id: uuid.UUID, rules: PortfolioRules) -> str:
    """A call's portfolio rules (the defaults until set) carry no version: the digest of their values."""
    return etag_of_content(call_id, *asdict(rules).values())


async def set_rules(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, rules: PortfolioRules) -> PortfolioRules:
    async with uow:
        call = await _call(uow, actor, call_id, lock=True)
        _may(actor, PROGRAMMERS, call.contract_code, "portfolio rules")
        repository = ProgrammationRepository(uow.session)
        row = await repository.rules(call_id)
        current = rules_of(row)
        uow.check_precondition(rules_etag(call_id, current))
        values = asdict(rules)
        if row is None:
            await repository.add(PortfolioRulesRow(call_id=call_id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await ledger.changed(
            uow.session,
            actor,
            action="portfolio_rules.set",
            entity_type="call_for_projects",
            entity_id=str(call_id),
            before={key: str(value) for key, value in asdict(current).items()},
            after={key: str(value) for key, value in asdict(rules).items()},
        )
        await uow.commit()
    return rules


def scenario_etag(scenario: ScenarioRow) -> str:
    return etag_of(str(scenario.scenario_id), scenario.version)


@dataclass(frozen=True, slots=True)
class ScenarioView:
    scenario: ScenarioRow
    amounts: dict[tuple[uuid.UUID, uuid.UUID], int]
    check: PortfolioCheck
    institutions: dict[uuid.UUID, InstitutionRow]
    titles: dict[uuid.UUID, str]


async def _checked(uow: UnitOfWork, scenario: ScenarioRow) -> ScenarioView:
    """The scenario's amounts and the portfolio rules evaluated on them now."""
    repository = ProgrammationRepository(uow.session)
    institutions = await _institutions(uow, scenario.contract_code)
    p147 = next((key for key, row in institutions.items() if row.kind == InstitutionKind.STATE_P147.value), None)
    amounts = await repository.amounts(scenario.scenario_id)
    live = await repository.live_applications(scenario.call_id)
    requested: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
    for application_id, institution_id, cents, _ in await repository.requested(scenario.call_id):
        requested.setdefault(application_id, {})[institution_id] = cents
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
    envelopes = {
        row.institution_id: Envelope(row.institution_id, row.amount_cents, row.departmental_cents)
        for row in await repository.envelopes(scenario.call_id)
    }
    names = {key: row.nom for key, row in institutions.items()}
    rules = rules_of(await repository.rules(scenario.call_id))
    present = {key: cents for key, cents in amounts.items() if key[0] in facts}
    check = check_portfolio(present, facts, envelopes, names, p147, rules)
    return ScenarioView(scenario, present, check, institutions, {key: value.title for key, value in facts.items()})


async def create_scenario(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, name: str) -> ScenarioView:
    """A scenario pre-filled with the amounts the financers proposed on their lines."""
    async with uow:
        call = await _call(uow, actor, call_id)
        _may(actor, PROGRAMMERS, call.contract_code, "scenarios")
        repository = ProgrammationRepository(uow.session)
        scenario = ScenarioRow(
            scenario_id=uuid.uuid4(),
            call_id=call_id,
            contract_code=call.contract_code,
            name=name,
            status="draft",
            version=1,
            created_by=actor.subject,
            created_at=datetime.now(UTC),
        )
        await repository.add(scenario)
        proposed = {
            (application_id, institution_id): proposed_cents
            for application_id, institution_id, _, proposed_cents in await repository.requested(call_id)
            if proposed_cents is not None
        }
        await repository.set_amounts(scenario.scenario_id, proposed)
        await ledger.changed(
            uow.session,
            actor,
            action="scenario.created",
            entity_type="scenario",
            entity_id=str(scenario.scenario_id),
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
    if scenario is None or not actor.works_on(scenario.contract_code) or not actor.roles & READERS:
        raise NotFoundError("scenario", str(scenario_id))
    return scenario


async def get_scenario(uow: UnitOfWork, actor: Principal, scenario_id: uuid.UUID) -> ScenarioView:
    async with uow.reading():
        return await _checked(uow, await _scenario(uow, actor, scenario_id))


async def set_amounts(
    uow: UnitOfWork,
    actor: Principal,
    scenario_id: uuid.UUID,
    amounts: dict[tuple[uuid.UUID, uuid.UUID], int],
) -> ScenarioView:
    """Change proposed amounts; the answer carries the rules evaluated on the result."""
    async with uow:
        scenario = await _scenario(uow, actor, scenario_id, for_update=True)
        _may(actor, PROGRAMMERS, scenario.contract_code, "scenarios")
        uow.check_precondition(scenario_etag(scenario))
        if scenario.status != "draft":
            raise NotEditableError("a frozen scenario does not change")
        repository = ProgrammationRepository(uow.session)
        lines = {(row[0], row[1]) for row in await repository.requested(scenario.call_id)}
        unknown = [f"{app}/{inst}" for app, inst in amounts if (app, inst) not in lines]
        if unknown:
            message = f"no financing line of a submitted application of this call: {', '.join(sorted(unknown)[:10])}"
            raise RuleViolationError("amounts", "financing-line-of-call", message)
        previous = await repository.amounts(scenario_id)
        await repository.set_amounts(scenario_id, amounts)
        scenario.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="scenario.amounts_set",
            entity_type="scenario",
            entity_id=str(scenario_id),
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
) -> tuple[ScenarioView, CommitteeRow]:
    """The comité's decisions: every financing line of every proposed application decided as the
    scenario says (nothing proposed: refused), each application decided — or nothing at all."""
    async with uow:
        scenario = await _scenario(uow, actor, scenario_id, for_update=True)
        _may(actor, PROGRAMMERS, scenario.contract_code, "scenarios")
        uow.check_precondition(scenario_etag(scenario))
        if scenario.status != "draft":
            raise NotEditableError("this scenario is frozen already")
        view = await _checked(uow, scenario)
        broken = [RuleViolationError("scenario", finding.rule, finding.message) for finding in view.check.blocking]
        applications = ApplicationRepository(uow.session)
        in_scenario = sorted({application_id for application_id, _ in view.amounts}, key=str)
        found = [await applications.get(application_id, for_update=True) for application_id in in_scenario]
        rows = [row for row in found if row is not None]
        for row in rows:
            if row.state != State.PROPOSED.value:
                broken.append(
                    RuleViolationError("scenario", "application-proposed", f"{row.title} is {row.state}, not proposed")
                )
        if broken:
            raise RulesBrokenError(broken)
        names = {key: item.nom for key, item in view.institutions.items()}
        reason = f"comité des financeurs du {held_on.isoformat()}"
        for row in rows:
            lines = await applications.financing(row.application_id, for_update=True)
            for stored in lines:
                cents = view.amounts.get((row.application_id, stored.institution_id), 0)
                stored.decided_cents = cents
                stored.decision = (LineDecision.GRANTED if cents > 0 else LineDecision.REFUSED).value
            outcome: Outcome = outcome_of([financing_line_of(stored) for stored in lines], names)
            row.outcome, row.state, row.version = outcome.value, State.DECIDED.value, row.version + 1
            await applications.add(
                ApplicationEventRow(
                    application_id=row.application_id,
                    at=datetime.now(UTC),
                    actor=actor.subject,
                    actor_institution=actor.institution,
                    transition=Transition.DECIDE.value,
                    from_state=State.PROPOSED.value,
                    to_state=State.DECIDED.value,
                    reason=reason,
                )
            )
        committee = CommitteeRow(
            committee_id=uuid.uuid4(),
            call_id=scenario.call_id,
            scenario_id=scenario_id,
            held_on=held_on,
            co_chairs=co_chairs,
            attendees=attendees,
            created_at=datetime.now(UTC),
        )
        await applications.add(committee)
        scenario.status, scenario.version = "frozen", scenario.version + 1
        await ledger.changed(
            uow.session,
            actor,
            action="scenario.frozen",
            entity_type="scenario",
            entity_id=str(scenario_id),
            before={"status": "draft"},
            after={"status": "frozen", "applications": len(rows), "held_on": held_on.isoformat()},
        )
        frozen = await _checked(uow, scenario)
        await uow.commit()
    return frozen, committee
