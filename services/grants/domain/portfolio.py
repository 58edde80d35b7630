"""The portfolio rules a programmation scenario is checked against, live, before the comité meets.

Hard rules block the freezing of a scenario: each financer within its envelope, each amount within
what was requested, the hors-QPV share of P147 within 2.5 % of the departmental P147 envelope. Soft
targets warn with their figures: degressivity of renewed actions, share of new actions, share of
cohésion sociale; leverage (co-financing per euro of P147) is reported.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from services.grants.framework.domain import Pillar
from services.grants.money import spaced


@dataclass(frozen=True, slots=True)
class PortfolioRules:
    hors_qpv_cap: Decimal = Decimal("0.025")
    degressivity_rate: Decimal = Decimal("0")
    new_actions_target: Decimal = Decimal("0.30")
    cohesion_target: Decimal = Decimal("0.50")


@dataclass(frozen=True, slots=True)
class Envelope:
    institution_id: uuid.UUID
    amount_cents: int
    departmental_cents: int | None = None  # the departmental P147 envelope the 2.5 % cap applies to


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    application_id: uuid.UUID
    title: str
    requested: dict[uuid.UUID, int]
    hors_qpv: bool
    renewal: bool
    previous_p147_cents: int | None
    pillar: Pillar | None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    message: str
    application_id: uuid.UUID | None = None


@dataclass(slots=True)
class PortfolioCheck:
    consumption: dict[uuid.UUID, tuple[int, int | None]] = field(default_factory=dict)  # used, envelope
    p147_total_cents: int = 0
    hors_qpv_cents: int = 0
    hors_qpv_base_cents: int | None = None
    funded_actions: int = 0
    new_actions: int = 0
    cohesion_cents: int = 0
    co_financing_cents: int = 0
    blocking: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def leverage(self) -> Decimal | None:
        if not self.p147_total_cents:
            return None
        return (Decimal(self.co_financing_cents) / Decimal(self.p147_total_cents)).quantize(Decimal("0.01"))


def percent(part: int, whole: int) -> str:
    if not whole:
        return "0 %"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value} %".replace(".", ",")


def _rate(rate: Decimal) -> str:
    return f"{format((rate * 100).normalize(), 'f')} %"


def check_portfolio(
    amounts: dict[tuple[uuid.UUID, uuid.UUID], int],
    applications: dict[uuid.UUID, ApplicationFacts],
    envelopes: dict[uuid.UUID, Envelope],
    names: dict[uuid.UUID, str],
    p147: uuid.UUID | None,
    rules: PortfolioRules,
) -> PortfolioCheck:
    """`amounts`: (application, financer) → proposed cents in the scenario."""
    check = PortfolioCheck()
    used: dict[uuid.UUID, int] = defaultdict(int)
    funded: set[uuid.UUID] = set()
    for (application_id, institution_id), cents in sorted(amounts.items(), key=lambda item: str(item[0])):
        facts = applications[application_id]
        used[institution_id] += cents
        requested = facts.requested.get(institution_id, 0)
        if cents > requested:
            check.blocking.append(
                Finding(
                    "within-requested",
                    f"{facts.title}: {spaced(cents)} proposed by {names.get(institution_id, '?')}"
                    f" > {spaced(requested)} requested",
                    application_id,
                )
            )
        if cents > 0:
            funded.add(application_id)
        if institution_id == p147:
            check.p147_total_cents += cents
            if facts.hors_qpv:
                check.hors_qpv_cents += cents
            if facts.pillar is Pillar.COHESION_SOCIALE:
                check.cohesion_cents += cents
            if facts.renewal and facts.previous_p147_cents is not None and rules.degressivity_rate > 0:
                ceiling = int(Decimal(facts.previous_p147_cents) * (1 - rules.degressivity_rate))
                if cents > ceiling:
                    check.warnings.append(
                        Finding(
                            "degressivity",
                            f"{facts.title}: P147 {spaced(cents)} > {spaced(ceiling)}"
                            f" ({spaced(facts.previous_p147_cents)} last year"
                            f" less {_rate(rules.degressivity_rate)})",
                            application_id,
                        )
                    )
        else:
            check.co_financing_cents += cents
    for institution_id in sorted(set(used) | set(envelopes), key=str):
        envelope = envelopes.get(institution_id)
        check.consumption[institution_id] = (used.get(institution_id, 0), envelope.amount_cents if envelope else None)
        if envelope is not None and used.get(institution_id, 0) > envelope.amount_cents:
            over = used[institution_id] - envelope.amount_cents
            check.blocking.append(
                Finding(
                    "within-envelope",
                    f"{names.get(institution_id, '?')}: {spaced(used[institution_id])} proposed"
                    f" > envelope {spaced(envelope.amount_cents)} (over by {spaced(over)})",
                )
            )
    departmental = envelopes[p147].departmental_cents if p147 in envelopes else None
    check.hors_qpv_base_cents = departmental
    if departmental is not None:
        cap = int(Decimal(departmental) * rules.hors_qpv_cap)
        if check.hors_qpv_cents > cap:
            check.blocking.append(
                Finding(
                    "hors-qpv-cap",
                    f"hors-QPV share {percent(check.hors_qpv_cents, departmental)} > {percent(cap, departmental)} cap:"
                    f" {spaced(check.hors_qpv_cents)} of {spaced(departmental)}",
                )
            )
    elif check.hors_qpv_cents:
        check.warnings.append(
            Finding("hors-qpv-cap", "no departmental P147 envelope is set: the 2.5 % hors-QPV cap cannot be checked")
        )
    check.funded_actions = len(funded)
    check.new_actions = sum(1 for item in funded if not applications[item].renewal)
    if funded and Decimal(check.new_actions) / len(funded) < rules.new_actions_target:
        check.warnings.append(
            Finding(
                "new-actions-share",
                f"new actions {check.new_actions} of {len(funded)} ({percent(check.new_actions, len(funded))})"
                f" < target {_rate(rules.new_actions_target)}",
            )
        )
    if check.p147_total_cents and Decimal(check.cohesion_cents) / check.p147_total_cents < rules.cohesion_target:
        check.warnings.append(
            Finding(
                "cohesion-share",
                f"cohésion sociale {spaced(check.cohesion_cents)} of P147 {spaced(check.p147_total_cents)}"
                f" ({percent(check.cohesion_cents, check.p147_total_cents)})"
                f" < target {_rate(rules.cohesion_target)}",
            )
        )
    return check
