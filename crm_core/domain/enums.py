"""The CRM's closed vocabularies. Values are the strings stored in the database and sent on
the wire, so renaming a member is a migration and an API change."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """Lifecycle: pending -> paid -> shipped -> delivered; cancelled before shipping,
    returned after delivery."""

    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class TicketStatus(StrEnum):
    """Zendesk-like ticket states; allowed moves are in ``rules.TICKET_TRANSITIONS``."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """True while someone still has to act on the ticket."""
        return self not in (TicketStatus.SOLVED, TicketStatus.CLOSED)


OPEN_TICKET_STATUSES: tuple[TicketStatus, ...] = tuple(s for s in TicketStatus if s.is_open)


class Priority(StrEnum):
    """Ticket priority; the SLA policy gives each its response and resolution targets."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class AgentRole(StrEnum):
    """What an agent may do: agents work tickets, supervisors manage queues, admins all."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Channel(StrEnum):
    """Where a conversation or ticket came from."""

    WEB = "web"
    REST = "rest"
    SOCKETIO = "socketio"
    VOICE = "voice"
    EMAIL = "email"
    PHONE = "phone"


class MessageRole(StrEnum):
    """Who wrote a conversation message."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"


class ConversationStatus(StrEnum):
    """Who is handling a conversation right now."""

    BOT = "bot"
    QUEUED = "queued"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


class CustomerTier(StrEnum):
    """Loyalty tier; routing and SLA policy may favour higher tiers."""

    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    VIP = "vip"


class Presence(StrEnum):
    """An agent's availability for new work."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
