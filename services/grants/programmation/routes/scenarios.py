"""HTTP routes of the programmation: envelopes, portfolio rules, scenarios and the comité."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Response, status

from identity.principal import Principal
from kit.api_models import plain_decimal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, locate_created, platform_router
from services.grants.policies import PROGRAMME, READ_GRANTS
from services.grants.programmation.domain.portfolio import Envelope, Finding, PortfolioRules, percent
from services.grants.programmation.domain.scenarios import ScenarioView
from services.grants.programmation.schemas import (
    CommitteeRead,
    ConsumptionRead,
    EnvelopeRead,
    EnvelopeWrite,
    FindingRead,
    FreezeInput,
    FrozenRead,
    PortfolioCheckRead,
    PortfolioRulesModel,
    PortfolioRulesRead,
    ScenarioAmountRead,
    ScenarioAmountsInput,
    ScenarioCreate,
    ScenarioRead,
)
from services.grants.programmation.use_cases import envelopes, scenarios
from services.grants.schemas import cents_of

router = platform_router(["programmation"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _envelope(envelope: Envelope) -> EnvelopeRead:
    return EnvelopeRead(
        institution_id=envelope.institution_id,
        amount=euros(envelope.amount_cents),
        departmental_amount=None if envelope.departmental_cents is None else euros(envelope.departmental_cents),
    )


def _rules(rules: PortfolioRules) -> PortfolioRulesRead:
    return PortfolioRulesRead(
        hors_qpv_cap=plain_decimal(rules.hors_qpv_cap),
        degressivity_rate=plain_decimal(rules.degressivity_rate),
        new_actions_target=plain_decimal(rules.new_actions_target),
        cohesion_target=plain_decimal(rules.cohesion_target),
    )


def _findings(findings: list[Finding]) -> list[FindingRead]:
    return [FindingRead(rule=item.rule, message=item.message, application_id=item.application_id) for item in findings]


def _check(view: ScenarioView) -> PortfolioCheckRead:
    check = view.check
    return PortfolioCheckRead(
        consumption=[
            ConsumptionRead(
                institution_id=institution_id,
                institution_code=view.codes.get(institution_id, ""),
                used=euros(used),
                envelope=None if envelope is None else euros(envelope),
                share=None if envelope is None else percent(used, envelope),
            )
            for institution_id, (used, envelope) in check.consumption.items()
        ],
        p147_total=euros(check.p147_total_cents),
        hors_qpv_amount=euros(check.hors_qpv_cents),
        hors_qpv_base=None if check.hors_qpv_base_cents is None else euros(check.hors_qpv_base_cents),
        hors_qpv_share=check.hors_qpv_share,
        funded_actions=check.funded_actions,
        new_actions=check.new_actions,
        new_actions_share=check.new_actions_share,
        cohesion_amount=euros(check.cohesion_cents),
        cohesion_share=check.cohesion_share,
        leverage=None if check.leverage is None else str(check.leverage),
        blocking=_findings(check.blocking),
        warnings=_findings(check.warnings),
        can_freeze=view.can_freeze,
    )


def _scenario(view: ScenarioView) -> ScenarioRead:
    return ScenarioRead(
        id=view.scenario.scenario_id,
        call_id=view.scenario.call_id,
        name=view.scenario.name,
        status=view.scenario.status.value,
        version=view.scenario.version,
        amounts=[
            ScenarioAmountRead(
                application_id=application_id,
                title=view.titles.get(application_id, ""),
                institution_id=institution_id,
                institution_code=view.codes.get(institution_id, ""),
                amount=euros(cents),
            )
            for (application_id, institution_id), cents in sorted(
                view.amounts.items(), key=lambda item: (view.titles.get(item[0][0], ""), str(item[0]))
            )
        ],
        check=_check(view),
    )


@router.get("/calls/{call_id}/envelopes", operation_id="list_envelopes", response_model=list[EnvelopeRead])
async def list_envelopes(
    uow: Uow, call_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> list[EnvelopeRead]:
    """What each financer puts into the call. Not paged: one envelope per financer of the call."""
    return [_envelope(item) for item in await envelopes.list_envelopes(uow, principal, call_id)]


@router.get("/calls/{call_id}/envelopes/{institution_id}", operation_id="get_envelope", response_model=EnvelopeRead)
async def get_envelope(
    uow: Uow,
    response: Response,
    call_id: uuid.UUID,
    institution_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> EnvelopeRead:
    """A financer's envelope for the call; its ETag guards the next change."""
    envelope = await envelopes.get_envelope(uow, principal, call_id, institution_id)
    response.headers["ETag"] = envelopes.envelope_etag(envelope)
    return _envelope(envelope)


@router.put("/calls/{call_id}/envelopes/{institution_id}", operation_id="set_envelope", response_model=EnvelopeRead)
async def set_envelope(
    uow: Uow,
    response: Response,
    call_id: uuid.UUID,
    institution_id: uuid.UUID,
    body: EnvelopeWrite,
    principal: Annotated[Principal, Depends(authorize(PROGRAMME))],
) -> EnvelopeRead:
    """A financer's envelope for the call (pilots and the State): created without If-Match, changed with it."""
    envelope = await envelopes.set_envelope(
        uow,
        principal,
        call_id,
        institution_id,
        cents_of(body.amount, "amount"),
        None if body.departmental_amount is None else cents_of(body.departmental_amount, "departmentalAmount"),
    )
    response.headers["ETag"] = envelopes.envelope_etag(envelope)
    return _envelope(envelope)


@router.get("/calls/{call_id}/portfolio-rules", operation_id="get_portfolio_rules", response_model=PortfolioRulesRead)
async def get_portfolio_rules(
    uow: Uow, response: Response, call_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> PortfolioRulesRead:
    """The call's portfolio rules (the defaults until set); their ETag guards the next change."""
    rules = await envelopes.get_rules(uow, principal, call_id)
    response.headers["ETag"] = envelopes.rules_etag(call_id, rules)
    return _rules(rules)


@router.put("/calls/{call_id}/portfolio-rules", operation_id="set_portfolio_rules", response_model=PortfolioRulesRead)
async def set_portfolio_rules(
    uow: Uow,
    response: Response,
    call_id: uuid.UUID,
    body: PortfolioRulesModel,
    principal: Annotated[Principal, Depends(authorize(PROGRAMME))],
) -> PortfolioRulesRead:
    """The hors-QPV cap, degressivity rate, new-action and cohésion sociale targets of the call."""
    rules = PortfolioRules(
        Decimal(body.hors_qpv_cap),
        Decimal(body.degressivity_rate),
        Decimal(body.new_actions_target),
        Decimal(body.cohesion_target),
    )
    stored = await envelopes.set_rules(uow, principal, call_id, rules)
    response.headers["ETag"] = envelopes.rules_etag(call_id, stored)
    return _rules(stored)


@router.post(
    "/scenarios", operation_id="create_scenario", response_model=ScenarioRead, status_code=status.HTTP_201_CREATED
)
async def create_scenario(
    uow: Uow, response: Response, body: ScenarioCreate, principal: Annotated[Principal, Depends(authorize(PROGRAMME))]
) -> ScenarioRead:
    """A what-if programmation of a call, pre-filled with the amounts the financers proposed."""
    view = await scenarios.create_scenario(uow, principal, body.call_id, body.name)
    locate_created(response, f"scenarios/{view.scenario.scenario_id}", scenarios.scenario_etag(view.scenario))
    return _scenario(view)


@router.get("/scenarios/{scenario_id}", operation_id="get_scenario", response_model=ScenarioRead)
async def get_scenario(
    uow: Uow,
    response: Response,
    scenario_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> ScenarioRead:
    """The scenario and its rules evaluated now: envelopes, hors-QPV cap, degressivity, shares, leverage."""
    view = await scenarios.get_scenario(uow, principal, scenario_id)
    response.headers["ETag"] = scenarios.scenario_etag(view.scenario)
    return _scenario(view)


@router.get("/scenarios/{scenario_id}/check", operation_id="check_scenario", response_model=PortfolioCheckRead)
async def check_scenario(
    uow: Uow, scenario_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> PortfolioCheckRead:
    """Only the rules evaluated now (no amounts): what a screen polls while amounts are changed."""
    return _check(await scenarios.get_scenario(uow, principal, scenario_id))


@router.put(
    "/scenarios/{scenario_id}/amounts",
    operation_id="set_scenario_amounts",
    response_model=ScenarioRead,
    dependencies=[conditional(read_at="/scenarios/{scenario_id}")],
)
async def set_scenario_amounts(
    uow: Uow,
    response: Response,
    scenario_id: uuid.UUID,
    body: ScenarioAmountsInput,
    principal: Annotated[Principal, Depends(authorize(PROGRAMME))],
) -> ScenarioRead:
    """Change proposed amounts (If-Match); the answer shows the rules on the result."""
    amounts = {
        (item.application_id, item.institution_id): cents_of(item.amount, f"amounts/{position}/amount")
        for position, item in enumerate(body.amounts)
    }
    view = await scenarios.set_amounts(uow, principal, scenario_id, amounts)
    response.headers["ETag"] = scenarios.scenario_etag(view.scenario)
    return _scenario(view)


@router.post(
    "/scenarios/{scenario_id}/freeze",
    operation_id="freeze_scenario",
    response_model=FrozenRead,
    dependencies=[conditional(read_at="/scenarios/{scenario_id}")],
)
async def freeze_scenario(
    uow: Uow,
    response: Response,
    scenario_id: uuid.UUID,
    body: FreezeInput,
    principal: Annotated[Principal, Depends(authorize(PROGRAMME))],
) -> FrozenRead:
    """The comité des financeurs: the scenario becomes every application's decision, or nothing does."""
    view, committee = await scenarios.freeze(
        uow,
        principal,
        scenario_id,
        body.held_on,
        list(body.co_chairs),
        list(body.attendees),
    )
    response.headers["ETag"] = scenarios.scenario_etag(view.scenario)
    return FrozenRead(
        scenario=_scenario(view),
        committee=CommitteeRead(
            id=committee.committee_id,
            held_on=committee.held_on,
            co_chairs=committee.co_chairs,
            attendees=committee.attendees,
        ),
    )
