"""Business rules as pure functions: they take plain values and raise typed errors.

Services load rows, call these, then write; tests call them directly with no database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_core.domain.enums import AgentRole, CustomerTier, OrderStatus, Priority, TicketStatus
from crm_core.domain.policy import SlaPolicy
from crm_core.errors import (
    AddressChangeNotAllowed,
    InvalidTransition,
    OrderNotCancellable,
    ReturnNotAllowed,
    SelfLockout,
)

# Orders have not left the warehouse yet in these states.
_BEFORE_SHIPPING = frozenset({OrderStatus.PENDING, OrderStatus.PAID})

ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.RETURNED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.RETURNED: frozenset(),
}

# Zendesk-style: anything still open may move between the working states or be solved;
# a solved ticket may be reopened or closed; closed is final.
_WORKING = frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD})
TICKET_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: _WORKING | {TicketStatus.SOLVED, TicketStatus.CLOSED},
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.ON_HOLD, TicketStatus.SOLVED}),
    TicketStatus.ON_HOLD: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED}),
    TicketStatus.SOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}

_PRIORITY_ORDER = list(Priority)
_ROLE_ORDER = list(AgentRole)


def check_order_transition(number: str, current: OrderStatus, target: OrderStatus) -> None:
    """Raise ``InvalidTransition`` unless the order lifecycle allows ``current -> target``."""
    allowed = ORDER_TRANSITIONS[OrderStatus(current)]
    if OrderStatus(target) not in allowed:
        raise InvalidTransition("order", number, str(current), str(target),
                                sorted(str(s) for s in allowed))


def check_can_cancel(number: str, status: OrderStatus) -> None:
    """Orders can be cancelled only before shipping."""
    if OrderStatus(status) not in _BEFORE_SHIPPING:
        raise OrderNotCancellable(
            f"order {number} is {status} and can no longer be cancelled",
            order=number, status=str(status),
        )


def check_can_change_address(number: str, status: OrderStatus) -> None:
    """The shipping address can change only before shipping."""
    if OrderStatus(status) not in _BEFORE_SHIPPING:
        raise AddressChangeNotAllowed(
            f"order {number} is {status}; its shipping address can no longer change",
            order=number, status=str(status),
        )


def check_can_return(number: str, status: OrderStatus, delivered_at: datetime | None,
                     now: datetime, window_days: int) -> None:
    """A return needs a delivered order and ``now`` within ``window_days`` of delivery."""
    if OrderStatus(status) is not OrderStatus.DELIVERED or delivered_at is None:
        raise ReturnNotAllowed(
            f"order {number} is {status}; only delivered orders can be returned",
            order=number, status=str(status), reason="not_delivered",
        )
    deadline = delivered_at + timedelta(days=window_days)
    if now > deadline:
        raise ReturnNotAllowed(
            f"order {number} was delivered more than {window_days} days ago",
            order=number, status=str(status), reason="window_closed",
            delivered_at=delivered_at.isoformat(), deadline=deadline.isoformat(),
        )


def check_ticket_transition(number: str, current: TicketStatus, target: TicketStatus) -> None:
    """Raise ``InvalidTransition`` unless ``TICKET_TRANSITIONS`` allows ``current -> target``."""
    allowed = TICKET_TRANSITIONS[TicketStatus(current)]
    if TicketStatus(target) not in allowed:
        raise InvalidTransition("ticket", number, str(current), str(target),
                                sorted(str(s) for s in allowed))


def choose_priority(policy: SlaPolicy, requested: Priority | None, category: str | None,
                    tier: CustomerTier | None) -> Priority:
    """The ticket's priority: the requested one (or the default), at least the category's
    floor, then raised by the customer's tier boost (capped at the highest priority)."""
    level = _PRIORITY_ORDER.index(Priority(requested or policy.default_priority))
    if category and category in policy.category_priority:
        level = max(level, _PRIORITY_ORDER.index(policy.category_priority[category]))
    if tier is not None:
        level += policy.tier_boost.get(CustomerTier(tier), 0)
    return _PRIORITY_ORDER[min(level, len(_PRIORITY_ORDER) - 1)]


def sla_due_times(policy: SlaPolicy, priority: Priority,
                  created_at: datetime) -> tuple[datetime, datetime]:
    """``(first_response_due, resolution_due)`` of a ticket created at ``created_at``."""
    targets = policy.targets_for(Priority(priority))
    return created_at + targets.first_response, created_at + targets.resolution


def check_no_self_lockout(agent_id: int, acting_agent_id: int, current_role: AgentRole,
                          new_role: AgentRole | None, active: bool | None) -> None:
    """Nobody may lower their own role or disable their own account (``SelfLockout``):
    otherwise the last admin could leave the system with no one able to manage it."""
    if agent_id != acting_agent_id:
        return
    demoted = new_role is not None and (
        _ROLE_ORDER.index(AgentRole(new_role)) < _ROLE_ORDER.index(AgentRole(current_role)))
    if demoted or active is False:
        raise SelfLockout(agent_id)
