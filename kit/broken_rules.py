"""Every rule an input breaks, reported at once (Stripe's and RFC 9457's `errors` list, not one error per
try). Standard library only: the services' domains raise these.

Each service derives its own two errors from these (so that its problem handler answers them) and names its
"several" class once in a `BrokenRules` subclass:

    class RuleViolationError(broken_rules.RuleViolationError, GrantsError): ...
    class RulesBrokenError(broken_rules.RulesBrokenError, GrantsError): ...
    raise_broken = RulesBrokenError.raise_for
    class BrokenRules(broken_rules.BrokenRules):
        several = RulesBrokenError
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import ClassVar


class RuleViolationError(Exception):
    """An input breaks a business rule; names the field and the rule.

    `field` is a path in the domain's own names (`lines/0/institution_id`): the problem gives it as the wire
    writes it (`lines/0/institutionId`). A path that is data (a file's column, a key the caller chose) is
    `verbatim` and given as it is."""

    def __init__(self, field: str, rule: str, message: str, *, verbatim: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.verbatim = verbatim


class RulesBrokenError(Exception):
    """Several rules are broken at once: each is named with its figures."""

    def __init__(self, broken: Sequence[RuleViolationError]) -> None:
        super().__init__("; ".join(str(rule) for rule in broken))
        self.broken = list(broken)

    @classmethod
    def raise_for(cls, broken: Sequence[RuleViolationError]) -> None:
        """Nothing when every rule holds, the rule when one is broken, all of them at once when several are."""
        if len(broken) == 1:
            raise broken[0]
        if broken:
            raise cls(broken)


class BrokenRules:
    """The independent checks of one input, each run even when another fails, so that the answer names every
    rule broken at once (one `checking()` block per check: a block stops at its first broken rule)."""

    several: ClassVar[type[RulesBrokenError]] = RulesBrokenError

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
            raise self.several(self.broken)
        self.several.raise_for(self.broken)
