"""Errors that carry data and a stable code; each transport maps them in one place."""

from __future__ import annotations

from typing import Any


class KefuError(Exception):
    """Base of every error a user may see. ``code`` is stable; ``details`` is JSON-able."""

    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(KefuError, LookupError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


class InvalidInput(KefuError, ValueError):
    """The request is malformed: a field is missing, of the wrong type or out of range."""

    code = "invalid_input"


class RuleViolation(KefuError):
    """The request is well-formed but a business rule forbids it (e.g. cancel after shipping)."""

    code = "rule_violation"


class Conflict(KefuError):
    """The request clashes with the current state (duplicate key, concurrent change)."""

    code = "conflict"


class Unauthenticated(KefuError):
    """No valid credentials were presented."""

    code = "unauthenticated"


class Forbidden(KefuError, PermissionError):
    """Credentials are valid but the role may not do this."""

    code = "forbidden"


class ServiceUnavailable(KefuError):
    """A dependency (database, Redis, model) is not ready; retrying later may work."""

    code = "unavailable"
