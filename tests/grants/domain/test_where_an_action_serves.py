"""Where an action serves, as pure rules: which applications the 2.5 % cap counts, and what they may name."""

from __future__ import annotations

import uuid

import pytest

from services.grants.applications.domain.application import (
    Draft,
    Venue,
    check_venues,
    check_vulnerability_zones,
)
from services.grants.errors import RuleViolationError
from services.grants.programmation.domain.portfolio import ApplicationFacts, Envelope, PortfolioRules, check_portfolio

CONTRACT_QPVS = ("QN06258M", "QN06261M")


@pytest.mark.parametrize(
    ("qpvs", "zones", "venues", "counted"),
    [
        ((), ("ZV-1",), (), True),  # a zone and no QPV: the cap's credits
        (("QN06258M",), ("ZV-1",), (), False),  # a QPV too: the QPV's credits
        (("QN06258M",), (), (Venue(code_commune="62041"),), False),  # held outside a QPV for its residents
        ((), (), (Venue(label="Mairie"),), False),  # neither a QPV nor a zone
    ],
)
def test_the_cap_counts_actions_serving_a_zone_and_no_qpv(
    qpvs: tuple[str, ...], zones: tuple[str, ...], venues: tuple[Venue, ...], counted: bool
) -> None:
    draft = Draft(title="Action", qpv_codes=qpvs, served_vulnerability_zones=zones, venues=venues)
    assert draft.hors_qpv is counted


def test_a_venue_is_one_place_of_the_contract() -> None:
    check_venues(Draft(title="A", venues=(Venue(qpv_code="QN06261M"), Venue(label="Mairie"))), CONTRACT_QPVS)
    with pytest.raises(RuleViolationError) as two:
        check_venues(Draft(title="A", venues=(Venue(qpv_code="QN06258M", label="Mairie"),)), CONTRACT_QPVS)
    assert (two.value.field, two.value.rule) == ("venues[0]", "one-venue-kind")
    with pytest.raises(RuleViolationError) as foreign:
        check_venues(Draft(title="A", venues=(Venue(label="x"), Venue(qpv_code="QN06259M"))), CONTRACT_QPVS)
    assert (foreign.value.field, foreign.value.rule) == ("venues[1].qpv_code", "qpv-of-contract")


def test_only_official_zones_of_the_contract_are_named() -> None:
    check_vulnerability_zones(Draft(title="A", served_vulnerability_zones=("ZV-1",)), {"ZV-1", "ZV-2"})
    with pytest.raises(RuleViolationError) as unknown:
        check_vulnerability_zones(Draft(title="A", served_vulnerability_zones=("ZV-1", "ZV-9")), {"ZV-1"})
    assert unknown.value.rule == "vulnerability-zone-of-contract"
    assert "ZV-9" in str(unknown.value)
    assert "ZV-1 " not in str(unknown.value).split("(official")[0]


def test_the_portfolio_sums_only_the_flagged_credits_under_the_cap() -> None:
    p147 = uuid.uuid4()
    facts = {
        key: ApplicationFacts(
            key, title, {p147: 1_000_000}, flagged, renewal=False, previous_p147_cents=None, pillar=None
        )
        for key, title, flagged in (
            (uuid.uuid4(), "Zone", True),
            (uuid.uuid4(), "Mairie pour les QPV", False),
        )
    }
    amounts = {(key, p147): 500_000 for key in facts}
    envelopes = {p147: Envelope(p147, 2_000_000, departmental_cents=20_000_000)}
    check = check_portfolio(amounts, facts, envelopes, {p147: "État P147"}, p147, PortfolioRules())
    assert (check.hors_qpv_cents, check.hors_qpv_share) == (500_000, "2,5 %")
    assert "hors-qpv-cap" not in {item.rule for item in check.blocking}
