"""No write forgets its event: every action a service audits (the ledger is the one way to record a write,
and the write pipeline refuses a commit without one) is in its event catalogue, published as an event or
listed silent with its reason; the ledger refuses an action the catalogue does not know."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kit.outbox import EventCatalogue, UnguardedEventError
from services.grants.event_catalogue import CATALOGUE as GRANTS
from services.participation.event_catalogue import CATALOGUE as PARTICIPATION
from services.territories.event_catalogue import CATALOGUE as TERRITORIES

CATALOGUES = {"territories": TERRITORIES, "grants": GRANTS, "participation": PARTICIPATION}
ROOT = Path(__file__).resolve().parents[2] / "services"
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _pattern(node: ast.expr) -> str | None:
    """The action a call names: a literal, or an f-string read as a pattern (its fields: any word)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and ACTION.fullmatch(node.value):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            re.escape(str(part.value)) if isinstance(part, ast.Constant) else "[a-z_]+" for part in node.values
        )
    return None


def _audited_actions(service: str) -> set[str]:
    """Each action named where a write is audited: `action=` of any call, or a literal action passed to a
    function that audits (`_meeting_changed(…, "meeting.minutes_written")`, `_move(…)`)."""
    found = set()
    for path in (ROOT / service).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            named = [keyword.value for keyword in node.keywords if keyword.arg == "action"]
            function = ast.unparse(node.func)
            audits = function.endswith(("_changed", "_move"))
            positional = [argument for argument in node.args if audits]
            for candidate in [*named, *positional]:
                pattern = _pattern(candidate)
                if pattern is not None:
                    found.add(pattern)
    return found


@pytest.mark.parametrize("service", list(CATALOGUES))
def test_every_audited_action_is_an_event_or_silent_with_its_reason(service: str) -> None:
    catalogue = CATALOGUES[service]
    known = set(catalogue.events) | set(catalogue.silent)
    actions = _audited_actions(service)
    assert len(actions) >= 7
    for pattern in actions:
        assert any(re.fullmatch(pattern, action) for action in known), f"{service}: {pattern} has no event"
    for action, silent in catalogue.silent.items():
        assert len(silent.reason) > 30, f"{service}: say why {action} publishes nothing"


@pytest.mark.parametrize("service", list(CATALOGUES))
def test_every_event_type_is_named_resource_dot_change(service: str) -> None:
    for kind in CATALOGUES[service].published():
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", kind.name)
        assert kind.version >= 1


def test_an_action_the_catalogue_does_not_know_is_refused() -> None:
    with pytest.raises(UnguardedEventError):
        EventCatalogue({}, {}, {}).type_of("thing.exploded")
