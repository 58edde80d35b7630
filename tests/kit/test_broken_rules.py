"""The kit's way of naming every rule an input breaks: each check runs even when another failed."""

from __future__ import annotations

import pytest

from kit.broken_rules import BrokenRules, RulesBrokenError, RuleViolationError


class SeveralError(RulesBrokenError):
    """A service's own error for several rules."""


class ServiceRules(BrokenRules):
    several = SeveralError


def _check(field: str, holds: bool) -> None:
    if not holds:
        raise RuleViolationError(field, f"{field}-rule", f"{field} is wrong")


def test_every_check_runs_and_several_are_raised_as_the_service_s_error() -> None:
    rules = ServiceRules()
    for field, holds in (("a", False), ("b", True), ("c", False)):
        with rules.checking():
            _check(field, holds)
    with pytest.raises(SeveralError) as raised:
        rules.raise_any()
    assert [(rule.field, rule.rule) for rule in raised.value.broken] == [("a", "a-rule"), ("c", "c-rule")]
    assert str(raised.value) == "a is wrong; c is wrong"


def test_one_broken_rule_is_raised_as_it_is_and_none_raises_nothing() -> None:
    single = ServiceRules()
    with single.checking():
        _check("a", False)
    with pytest.raises(RuleViolationError) as raised:
        single.raise_any()
    assert not isinstance(raised.value, RulesBrokenError)
    ServiceRules().raise_any()
    SeveralError.raise_for([])


def test_a_check_that_answers_a_list_keeps_the_list_even_of_one() -> None:
    rules = ServiceRules()
    with rules.checking():
        SeveralError.raise_for([RuleViolationError("x", "x-rule", "x"), RuleViolationError("y", "y-rule", "y")])
    with rules.checking():
        raise SeveralError([RuleViolationError("z", "z-rule", "z")])
    with pytest.raises(SeveralError) as raised:
        rules.raise_any()
    assert [rule.field for rule in raised.value.broken] == ["x", "y", "z"]
