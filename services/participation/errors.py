class ParticipationError(Exception):
    """Base of the rules this service enforces."""


class NotFoundError(ParticipationError):
    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"{kind} {identifier} not found")


class RuleViolationError(ParticipationError):
    """An input breaks a business rule; names the field and the rule."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class NotBoundError(ParticipationError):
    """The caller does not work on this contract."""
