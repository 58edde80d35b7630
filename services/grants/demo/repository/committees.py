"""The comité des financeurs of each demo call: the scenario it froze (its amounts are the financers'
proposals), the comité itself (institutions only, no personal name) and the State's envelope of the call
(the part of the million the call decided). All fictitious but the million (l. 1403-1405)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from services.grants.demo.domain import DemoApplication, demo_id
from services.grants.demo.repository.rows import CONTRACT, DEMO_ACTOR, act
from services.grants.programmation.domain.scenarios import ScenarioStatus
from services.grants.programmation.models import CommitteeRow, EnvelopeRow, ScenarioAmountRow, ScenarioRow

CO_CHAIRS = ["Préfecture du Pas-de-Calais", "Communauté Urbaine d'Arras"]


def committee_id(call_id: uuid.UUID) -> uuid.UUID:
    return demo_id("committee", call_id)


def committee_rows(
    call_id: uuid.UUID, items: list[DemoApplication], financers: dict[str, uuid.UUID], names: dict[str, str]
) -> tuple[list[Any], list[Any]]:
    """(the scenario, then what names it: the comité, its amounts and the call's P147 envelope)."""
    scenario_id = demo_id("scenario", call_id)
    scenario = ScenarioRow(
        scenario_id=scenario_id,
        call_id=call_id,
        contract_code=CONTRACT,
        name="Scénario arrêté en comité des financeurs (démonstration, montants fictifs)",
        status=ScenarioStatus.FROZEN.value,
        created_by=DEMO_ACTOR,
    )
    decided_on = act("etat-p147", items[0])[2]
    codes = sorted({line.financer for item in items for line in item.lines})
    named: list[Any] = [
        CommitteeRow(
            committee_id=committee_id(call_id),
            call_id=call_id,
            scenario_id=scenario_id,
            held_on=decided_on - timedelta(days=10),
            co_chairs=CO_CHAIRS,
            attendees=[names[code] for code in codes],
        ),
        EnvelopeRow(
            envelope_id=demo_id("envelope", call_id),
            call_id=call_id,
            institution_id=financers["etat-p147"],
            amount_cents=sum(
                line.decided_cents for item in items for line in item.lines if line.financer == "etat-p147"
            ),
            departmental_cents=None,
        ),
    ]
    named += [
        ScenarioAmountRow(
            scenario_id=scenario_id,
            application_id=item.application_id,
            institution_id=financers[line.financer],
            amount_cents=line.decided_cents,
        )
        for item in items
        for line in item.lines
    ]
    return [scenario], named
