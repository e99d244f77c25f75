"""Plain domain types and business rules: no SQLAlchemy, no aiohttp.

Everything here is importable and testable without a database; services apply these
rules to rows loaded through the unit of work.
"""

from crm_core.domain.enums import (
    OPEN_TICKET_STATUSES,
    AgentRole,
    Channel,
    ConversationStatus,
    CustomerTier,
    MessageRole,
    OrderStatus,
    Presence,
    Priority,
    TicketStatus,
)
from crm_core.domain.policy import DeliveryPolicy, SlaPolicy, SlaTargets
from crm_core.domain.rules import (
    ORDER_TRANSITIONS,
    TICKET_TRANSITIONS,
    check_can_cancel,
    check_can_change_address,
    check_can_return,
    check_no_self_lockout,
    check_order_transition,
    check_ticket_transition,
    choose_priority,
    sla_due_times,
)

__all__ = [
    "OPEN_TICKET_STATUSES", "AgentRole", "Channel", "ConversationStatus", "CustomerTier",
    "MessageRole", "OrderStatus", "Presence", "Priority", "TicketStatus", "DeliveryPolicy",
    "SlaPolicy", "SlaTargets",
    "ORDER_TRANSITIONS", "TICKET_TRANSITIONS", "check_can_cancel", "check_can_change_address",
    "check_can_return", "check_no_self_lockout", "check_order_transition",
    "check_ticket_transition", "choose_priority", "sla_due_times",
]
