"""The SQL side of the access rule (``crm_core.domain.access``): the customers an agent
holds, as a subquery listings filter by. Both branches use an index
(``conversations.agent_id``, ``tickets.assignee_id``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, union

from crm_core.domain.enums import OPEN_TICKET_STATUSES, ConversationStatus
from crm_core.models import Conversation, Ticket


def held_customer_ids(agent_id: int) -> Select[Any]:
    """Ids of the customers of the open conversations and open tickets ``agent_id`` holds."""
    conversations = select(Conversation.customer_id).where(
        Conversation.agent_id == agent_id, Conversation.status != ConversationStatus.CLOSED,
        Conversation.customer_id.is_not(None))
    tickets = select(Ticket.customer_id).where(
        Ticket.assignee_id == agent_id, Ticket.status.in_(OPEN_TICKET_STATUSES))
    return select(union(conversations, tickets).subquery().c[0])
