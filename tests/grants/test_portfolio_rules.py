"""The portfolio rules on plain figures: which block, which warn, and what they say."""

from __future__ import annotations

import uuid
from decimal import Decimal

from services.grants.framework.domain import Pillar
from services.grants.programmation.domain.portfolio import ApplicationFacts, Envelope, PortfolioRules, check_portfolio

P147, CUA = uuid.uuid4(), uuid.uuid4()
NAMES = {P147: "État P147", CUA: "CUA"}


def _facts(title: str, *, renewal: bool, previous: int | None = None, pillar: Pillar | None = None) -> ApplicationFacts:
    return ApplicationFacts(
        application_id=uuid.uuid5(uuid.NAMESPACE_URL, title),
        title=title,
        requested={P147: 1_000_000, CUA: 500_000},
        hors_qpv=False,
        renewal=renewal,
        previous_p147_cents=previous,
        pillar=pillar,
    )


def test_soft_targets_warn_with_their_figures() -> None:
    renewed = _facts("Renouvelée", renewal=True, previous=800_000, pillar=Pillar.EMPLOI)
    other = _facts("Autre renouvelée", renewal=True, previous=None, pillar=Pillar.COHESION_SOCIALE)
    facts = {item.application_id: item for item in (renewed, other)}
    amounts = {(renewed.application_id, P147): 750_000, (other.application_id, P147): 100_000}
    rules = PortfolioRules(degressivity_rate=Decimal("0.10"))
    check = check_portfolio(amounts, facts, {P147: Envelope(P147, 2_000_000)}, NAMES, P147, rules)
    assert check.blocking == []
    warnings = {item.rule: item.message for item in check.warnings}
    assert warnings["degressivity"] == "Renouvelée: P147 7\u202f500 € > 7\u202f200 € (8\u202f000 € last year less 10 %)"
    assert warnings["new-actions-share"] == "new actions 0 of 2 (0,0 %) < target 30 %"
    assert warnings["cohesion-share"].endswith("(11,8 %) < target 50 %")


def test_hard_rules_block() -> None:
    action = _facts("Action", renewal=False, pillar=Pillar.COHESION_SOCIALE)
    amounts = {(action.application_id, P147): 1_000_001, (action.application_id, CUA): 600_000}
    envelopes = {P147: Envelope(P147, 900_000), CUA: Envelope(CUA, 1_000_000)}
    check = check_portfolio(amounts, {action.application_id: action}, envelopes, NAMES, P147, PortfolioRules())
    assert [item.rule for item in check.blocking] == ["within-requested", "within-requested", "within-envelope"]
    assert check.leverage == Decimal("0.60")
    assert check.consumption[CUA] == (600_000, 1_000_000)
