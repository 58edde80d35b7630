"""The participation domain's errors, pure Python (problems.py gives each its problem+json)."""

from __future__ import annotations

from kit import broken_rules


class ParticipationError(Exception):
    """Base of the rules this service enforces."""


class NotFoundError(ParticipationError):
    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"{kind} {identifier} not found")


class RuleViolationError(broken_rules.RuleViolationError, ParticipationError):
    """An input breaks a business rule; names the field and the rule (kit/broken_rules.py)."""


class RulesBrokenError(broken_rules.RulesBrokenError, ParticipationError):
    """Several rules are broken at once: each is named."""


# Nothing when every rule holds, the rule when one is broken, all of them at once when several are.
raise_broken = RulesBrokenError.raise_for


class BrokenRules(broken_rules.BrokenRules):
    several = RulesBrokenError


class NotBoundError(ParticipationError):
    """The caller does not work on this contract."""
