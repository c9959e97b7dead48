"""Errors a user can act on, raised by every layer. Messages are Indonesian and name the thing to fix;
nothing was written."""


class CaseError(Exception):
    code = 1

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(CaseError):
    """Bad data from the user: a field, a requirement, an outcome."""


class NotFound(CaseError):
    pass


class Forbidden(CaseError):
    """The actor lacks the step's role or belongs to another office."""


class Conflict(CaseError):
    """Someone else changed the task first (claimed or completed it)."""
    code = 3
