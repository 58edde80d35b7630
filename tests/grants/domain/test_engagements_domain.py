"""The engagements' pure rules: objective references resolved against a tree (kept when the tree lacks
them, refused when another contract's), sheets compared year to year, and the content's rules."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from identity.principal import Principal, Role
from services.grants.contract_indicators.domain import (
    Baseline,
    ContractIndicator,
    Direction,
    EvaluationObject,
    Observation,
    Target,
    standing,
)
from services.grants.engagements.domain.comparison import Change, compare
from services.grants.engagements.domain.sheets import (
    Figures,
    Means,
    ObjectiveRef,
    Resolution,
    Sheet,
    SheetContent,
    Staff,
    TreeNode,
    check_content,
    resolve,
)
from services.grants.engagements.domain.signatories import Basis, Signatory, SignatoryKind, check_sheet_editor
from services.grants.errors import ForbiddenMoveError, RuleViolationError

NODE = TreeNode(uuid.uuid4(), "A2/OS3/3A", "Accompagner les initiatives ESS au sein des quartiers")
OTHER = TreeNode(uuid.uuid4(), "A2/OS2/2A", "Rencontrer des professionnels, découverte de métiers")


def test_a_code_resolves_by_path_and_label_accents_and_case_aside() -> None:
    ref = resolve(
        ObjectiveRef("A2/OS3/3A", None, "accompagner les initiatives ESS au sein des quartiers"), "CV", [NODE], set()
    )
    assert (ref.status, ref.resolved_id) == (Resolution.RESOLVED, NODE.objective_id)


def test_a_code_the_tree_holds_under_another_label_is_kept_unresolved() -> None:
    ref = resolve(ObjectiveRef("A2/OS2/2A", None, "Développer des points de proximité"), "CV", [NODE, OTHER], set())
    assert ref.status is Resolution.UNRESOLVED
    assert ref.code == "A2/OS2/2A"
    assert ref.reason is not None
    assert "Rencontrer" in ref.reason


def test_a_bare_code_of_several_objectives_is_ambiguous() -> None:
    twin = TreeNode(uuid.uuid4(), "A4/OS3/3A", "Autre")
    ref = resolve(ObjectiveRef("3A"), "CV", [NODE, twin], set())
    assert ref.status is Resolution.UNRESOLVED
    assert "several" in (ref.reason or "")


def test_another_contracts_objective_is_refused() -> None:
    foreign = uuid.uuid4()
    with pytest.raises(RuleViolationError) as by_id:
        resolve(ObjectiveRef(None, foreign), "CV-A", [NODE], {foreign})
    assert by_id.value.rule == "objective-of-contract"
    with pytest.raises(RuleViolationError) as by_code:
        resolve(ObjectiveRef("CV-B:A2/OS3/3A"), "CV-A", [NODE], set())
    assert by_code.value.field == "code"
    assert resolve(ObjectiveRef("CV-A:A2/OS3/3A"), "CV-A", [NODE], set()).status is Resolution.RESOLVED


def _sheet(year: int, **content: Any) -> Sheet:
    return Sheet(uuid.uuid4(), "CV", uuid.UUID(int=1), year, SheetContent(**content))


def test_a_sheet_compared_with_a_later_one() -> None:
    base = _sheet(
        2024,
        qpv_codes=("Q1", "Q2"),
        means=(Means("m", "Centre social", 2024, Figures(10_000_00, 3, None), None),),
        staff=(Staff("Directeur", Decimal("0.3")),),
    )
    later = _sheet(
        2026,
        qpv_codes=("Q2", "Q3"),
        means=(
            Means("m", "Centre social", 2026, Figures(12_000_00, 3, None), Figures(9_000_00, 2, None)),
            Means("n", "Médiation", 2026, Figures(5_000_00, 1, None), None),
        ),
        staff=(Staff("Directeur", Decimal("0.3")),),
    )
    found = compare(base, later, 2024, 2026)
    assert (found.qpv_codes.appeared, found.qpv_codes.disappeared, found.qpv_codes.kept) == (("Q3",), ("Q1",), ("Q2",))
    # The later sheet's realised figure counts once said: 9 000 € against 10 000 €.
    assert [(item.key, item.change) for item in found.means] == [("m", Change.SHRANK), ("n", Change.APPEARED)]
    assert (found.amount_cents.base, found.amount_cents.later) == (Decimal(1_000_000), Decimal(1_400_000))
    assert found.etp.change is Change.SAME
    gone = compare(base, None, 2024, 2027)
    assert gone.amount_cents.change is Change.DISAPPEARED
    assert gone.qpv_codes.disappeared == ("Q1", "Q2")


def test_the_contents_rules_are_all_reported() -> None:
    content = SheetContent(
        qpv_codes=("QN00000X",),
        staff=(Staff("A", Decimal(1)), Staff("A", Decimal(2))),
        means=(Means("m", "x", 2031, Figures(None, None, None), None),),
    )
    broken = check_content(content, ["QN06258M"], 2024, 2030)
    assert {(rule.field, rule.rule) for rule in broken} == {
        ("qpv_codes", "qpv-of-contract"),
        ("staff", "unique-key"),
        ("means/0/year", "year-of-contract"),
    }


def test_only_the_signatorys_users_or_pilots_edit_its_sheet() -> None:
    beaurains = Signatory(
        uuid.uuid4(),
        "CV",
        "beaurains",
        "Ville de Beaurains",
        SignatoryKind.COMMUNE,
        Basis.NAMED,
        (911,),
        code_insee="62099",
    )
    own = Principal("u", "user", roles=frozenset({Role.COMMUNE}), communes=frozenset({"62099"}))
    check_sheet_editor(own, beaurains)
    check_sheet_editor(Principal("p", "user", roles=frozenset({Role.CONTRACT_PILOT})), beaurains)
    arras = Principal("a", "user", institution="arras", roles=frozenset({Role.COMMUNE}), communes=frozenset({"62041"}))
    with pytest.raises(ForbiddenMoveError, match="own-signatory-sheet"):
        check_sheet_editor(arras, beaurains)


def test_an_indicator_stands_against_its_target_at_a_year() -> None:
    indicator = ContractIndicator(
        uuid.uuid4(),
        "CV",
        "cap",
        "Part hors QPV",
        "%",
        EvaluationObject.ANNUAL_PROGRAMMATIONS,
        Baseline(None, None, None, None),
        Target(Decimal("2.5"), 2030, Direction.AT_MOST, "line 190"),
        (Observation(2024, Decimal("1.2"), None, None), Observation(2025, Decimal("3.1"), None, None, True)),
    )
    assert standing(indicator, 2024).reached is True
    late = standing(indicator, None)
    assert (late.year, late.reached, late.to_target, late.is_fictitious) == (2025, False, Decimal("-0.6"), True)
    assert standing(indicator, 2023).value is None
