"""The grants domain's errors, pure Python (problems.py gives each its problem+json), and how an amount reads
in their messages."""

from __future__ import annotations

from kit import broken_rules


class GrantsError(Exception):
    """Base of the rules this service enforces."""


class NotFoundError(GrantsError):
    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"{kind} {identifier} not found")


class RuleViolationError(broken_rules.RuleViolationError, GrantsError):
    """An input breaks a business rule; names the field and the rule (kit/broken_rules.py)."""


class RulesBrokenError(broken_rules.RulesBrokenError, GrantsError):
    """Several rules are broken at once: each is named with its figures."""


# Nothing when every rule holds, the rule when one is broken, all of them at once when several are.
raise_broken = RulesBrokenError.raise_for


class BrokenRules(broken_rules.BrokenRules):
    several = RulesBrokenError


class DuplicateCallError(GrantsError):
    """One call per contract, year and scheme."""


class NotBoundError(GrantsError):
    """The caller does not work on this contract."""


class ConflictError(GrantsError):
    """The record exists already (same natural key)."""


class ForbiddenMoveError(GrantsError):
    """The caller may read the record but not do this to it."""


class ForbiddenByRuleError(ForbiddenMoveError):
    """The caller may read the record, but a named rule keeps it from changing it: the 403 names the field
    (`signatory_id`) and the rule (`own-signatory-sheet`)."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class NotEditableError(GrantsError):
    """The record is past the stage where this can change."""


def spaced(cents: int) -> str:
    """An amount as a message gives it: 31 000 € / 1 234,56 €."""
    whole, part = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", "\u202f")
    return f"{'-' if cents < 0 else ''}{grouped}{f',{part:02d}' if part else ''} €"
