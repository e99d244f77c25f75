"""Errors that carry data and a stable code; each transport maps them in one place.

The base classes (``NotFound``, ``RuleViolation``, ...) fix the HTTP status in
``bot/gateway/errors.py``; the specific subclasses below add a stable ``code`` and
their data in ``details`` so a bot or a client can react without parsing messages.
"""

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


class TooLarge(InvalidInput):
    """The request is larger than the limit; details ``{"max_bytes": ...}``."""

    code = "too_large"


class RateLimited(KefuError):
    """Too many requests from one client; ``retry_after``: seconds until one is allowed."""

    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={"retry_after": retry_after, **(details or {})})
        self.retry_after = retry_after


class IdentityLocked(RateLimited):
    """Too many failed identity checks for this email or from this client: no check is
    made until ``retry_after`` seconds have passed (the same answer whether or not the
    email exists)."""

    code = "identity_locked"


class SessionMismatch(Forbidden):
    """A chat connection spoke for a session other than the one it is bound to."""

    code = "session_mismatch"


class CodeRejected(Unauthenticated):
    """The code is wrong (``details.tries_left``), expired or used up (``tries_left`` 0)."""

    code = "code_rejected"

    def __init__(self, message: str, *, tries_left: int) -> None:
        super().__init__(message, details={"tries_left": tries_left})
        self.tries_left = tries_left


# --- specific errors: stable codes, data in details -------------------------------------


class EntityNotFound(NotFound):
    """``<entity> <key> not found``; details ``{"entity": ..., "key": ...}``."""

    code = "not_found"
    entity = "entity"

    def __init__(self, key: Any, *, message: str | None = None) -> None:
        super().__init__(
            message or f"{self.entity} {key} not found",
            details={"entity": self.entity, "key": key},
        )
        self.key = key


class CustomerNotFound(EntityNotFound):
    """No customer with this id / email / phone."""

    code = "customer_not_found"
    entity = "customer"


class ProductNotFound(EntityNotFound):
    """No product with this id / sku."""

    code = "product_not_found"
    entity = "product"


class OrderNotFound(EntityNotFound):
    """No such order, or it belongs to another customer (the caller cannot tell which)."""

    code = "order_not_found"
    entity = "order"


class TicketNotFound(EntityNotFound):
    """No ticket with this id / number."""

    code = "ticket_not_found"
    entity = "ticket"


class ConversationNotFound(EntityNotFound):
    """No conversation with this id."""

    code = "conversation_not_found"
    entity = "conversation"


class AgentNotFound(EntityNotFound):
    """No agent with this id / email."""

    code = "agent_not_found"
    entity = "agent"


class DuplicateKey(Conflict):
    """A natural key (email, sku, order number) is already taken."""

    code = "duplicate"

    def __init__(self, entity: str, field: str, value: Any) -> None:
        super().__init__(
            f"a {entity} with {field} {value!r} already exists",
            details={"entity": entity, "field": field, "value": value},
        )


class OrderRuleViolation(RuleViolation):
    """An order rule refused the change; details ``{"order": number, "status": status}``."""

    code = "order_rule_violation"

    def __init__(self, message: str, *, order: str, status: str, **extra: Any) -> None:
        super().__init__(message, details={"order": order, "status": status, **extra})
        self.order = order
        self.status = status


class OrderNotCancellable(OrderRuleViolation):
    """Orders can be cancelled only before they ship."""

    code = "order_not_cancellable"


class AddressChangeNotAllowed(OrderRuleViolation):
    """The shipping address can change only before the order ships."""

    code = "address_change_not_allowed"


class ReturnNotAllowed(OrderRuleViolation):
    """A return needs a delivered order within the return window."""

    code = "return_not_allowed"


class InvalidTransition(RuleViolation):
    """A status change the lifecycle does not allow; details name both ends and the options."""

    code = "invalid_transition"

    def __init__(self, entity: str, key: Any, current: str, target: str,
                 allowed: list[str]) -> None:
        super().__init__(
            f"{entity} {key} cannot go from {current} to {target}",
            details={"entity": entity, "key": key, "from": current, "to": target,
                     "allowed": allowed},
        )


class SelfLockout(RuleViolation):
    """An agent tried to lower their own role or disable their own account (so the last
    admin cannot lock everyone out); details ``{"agent_id": ...}``."""

    code = "self_lockout"

    def __init__(self, agent_id: int) -> None:
        super().__init__("You cannot demote or disable your own account.",
                         details={"agent_id": agent_id})
        self.agent_id = agent_id


class InvalidCredentials(Unauthenticated):
    """Wrong email or password (deliberately not saying which)."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("wrong email or password")


class LoginLocked(RateLimited):
    """Too many failed sign-ins for this account (or from this client): no password is
    checked until ``retry_after`` seconds have passed, whether or not the email exists."""

    code = "login_locked"


class TokenRevoked(Unauthenticated):
    """The token was signed before the agent's password changed or the agent was
    disabled (its ``ver`` is older than the agent's token version)."""

    code = "token_revoked"

    def __init__(self) -> None:
        super().__init__("This token has been revoked (password changed or account "
                         "disabled); sign in again.")


class OutOfScope(Forbidden):
    """An agent asked for a customer (or their order or ticket) they do not hold: no
    conversation or ticket of that customer is theirs. Supervisors and admins see all."""

    code = "out_of_scope"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(
            "Agents see customers of the conversations and tickets they hold.",
            details={"entity": entity, "key": key})


class SchemaOutOfDate(ServiceUnavailable):
    """The database is not at the migration head; ``kefu db upgrade`` fixes it."""

    code = "schema_out_of_date"

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(
            f"database schema is out of date (at {current or 'empty'}, need {head}): "
            "run `kefu db upgrade`",
            details={"current": current, "head": head},
        )


class OutOfStock(RuleViolation):
    """Not enough stock for an order line; details ``{"sku", "stock", "requested"}``."""

    code = "out_of_stock"

    def __init__(self, sku: str, stock: int, requested: int) -> None:
        super().__init__(f"only {stock} of {sku} in stock",
                         details={"sku": sku, "stock": stock, "requested": requested})


class AddressInvalid(InvalidInput):
    """A typed shipping address was refused. Details, always all present:
    ``reason``: ``empty``, ``too_long`` (plus ``max_chars``), ``order_number``,
    ``not_an_address``, ``no_country`` or ``incomplete``; ``missing`` and ``invalid``:
    address fields (``street_address``, ``city``, ``city_area``, ``country_area``,
    ``postal_code``, ``country_code``), in address order; ``country``: the ISO code it was
    checked against (or None); ``example``: a postcode of that country / region (or None)."""

    code = "address_invalid"

    def __init__(self, reason: str, *, missing: list[str] | None = None,
                 invalid: list[str] | None = None, country: str | None = None,
                 example: str | None = None, **extra: Any) -> None:
        missing, invalid = list(missing or []), list(invalid or [])
        problems = ", ".join([*(f"{f} missing" for f in missing),
                              *(f"{f} invalid" for f in invalid)])
        super().__init__(
            f"address refused ({reason}{': ' + problems if problems else ''})",
            details={"reason": reason, "missing": missing, "invalid": invalid,
                     "country": country, "example": example, **extra},
        )
        self.reason = reason
        self.missing = missing
        self.invalid = invalid
        self.country = country


class DependencyUnavailable(ServiceUnavailable):
    """The database or Redis cannot be reached right now (refused, reset, timed out);
    ``dependency`` names which, ``retry_after`` how many seconds to wait before trying
    again."""

    code = "dependency_unavailable"

    def __init__(self, dependency: str, *, retry_after: int = 5) -> None:
        super().__init__(f"A service kefu depends on ({dependency}) is unreachable right now. "
                         f"Try again in {retry_after} seconds.",
                         details={"dependency": dependency, "retry_after": retry_after})
        self.dependency, self.retry_after = dependency, retry_after


class ArticleNotFound(EntityNotFound):
    """No help-center article with this slug (or it is a draft the caller may not see)."""

    code = "article_not_found"
    entity = "article"
