class TerritoriesError(Exception):
    """Base of the rules this service enforces."""


class NotFoundError(TerritoriesError):
    def __init__(self, kind: str, code: str) -> None:
        super().__init__(f"{kind} {code} not found")
        self.kind = kind
        self.code = code


class ContractConflictError(TerritoriesError):
    """A contract with this code is already registered."""


class InvalidFieldError(TerritoriesError):
    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class NotBoundError(TerritoriesError):
    """The caller does not work on this contract."""
