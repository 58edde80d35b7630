"""The grants domain's errors, pure Python (problems.py gives each its problem+json), and how an amount reads
in their messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class GrantsError(Exception):
    """Base of the rules this service enforces."""


class NotFoundError(GrantsError):
    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"{kind} {identifier} not found")


class RuleViolationError(GrantsError):
    """An input breaks a business rule; names the field and the rule.

    `field` is a path in the domain's own names (`lines/0/institution_id`): the problem gives it as the wire
    writes it (`lines/0/institutionId`). A path that is data (a file's column, a key the caller chose) is
    `verbatim` and given as it is."""

    def __init__(self, field: str, rule: str, message: str, *, verbatim: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.verbatim = verbatim


class RulesBrokenError(GrantsError):
    """Several rules are broken at once: each is named with its figures."""

    def __init__(self, broken: list[RuleViolationError]) -> None:
        super().__init__("; ".join(str(rule) for rule in broken))
        self.broken = broken


def raise_broken(broken: list[RuleViolationError]) -> None:
    """Nothing when every rule holds, the rule when one is broken, all of them at once when several are."""
    if len(broken) == 1:
        raise broken[0]
    if broken:
        raise RulesBrokenError(broken)


class BrokenRules:
    """The independent checks of one input, each run even when another fails, so that the answer names every
    rule broken at once (one `checking()` block per check: a block stops at its first broken rule)."""

    def __init__(self) -> None:
        self.broken: list[RuleViolationError] = []
        self.collected = False  # a check answered its rules as a list: so does the whole, even of one

    @contextmanager
    def checking(self) -> Iterator[None]:
        try:
            yield
        except RulesBrokenError as error:
            self.broken.extend(error.broken)
            self.collected = True
        except RuleViolationError as error:
            self.broken.append(error)

    def raise_any(self) -> None:
        if self.collected:
            raise RulesBrokenError(self.broken)
        raise_broken(self.broken)


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
