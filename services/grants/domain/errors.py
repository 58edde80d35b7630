class GrantsError(Exception):
    """Base of the rules this service enforces."""


class NotFoundError(GrantsError):
    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"{kind} {identifier} not found")


class RuleViolationError(GrantsError):
    """An input breaks a business rule; names the field and the rule."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class DuplicateCallError(GrantsError):
    """One call per contract, year and scheme."""


class NotBoundError(GrantsError):
    """The caller does not work on this contract."""


class ConflictError(GrantsError):
    """The record exists already (same natural key)."""


class ForbiddenMoveError(GrantsError):
    """The caller may read the record but not do this to it."""


class NotEditableError(GrantsError):
    """The record is past the stage where this can change."""
