"""The handoff sink used until routing registers its queue: open a ticket, say its number.

A visitor who has not identified themselves gets a minimal customer record so the ticket
has an owner an agent can work with (the ticket keeps the transcript).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from crm_core.domain.enums import Channel
from crm_core.domain.policy import SlaPolicy
from crm_core.errors import ConversationNotFound, RuleViolation
from crm_core.unit_of_work import UnitOfWork
from routing.handoff import HandoffRequest, HandoffResult

log = logging.getLogger(__name__)

_CHANNELS = {c.value for c in Channel}


def transcript_text(request: HandoffRequest, limit: int = 30) -> str:
    """The last ``limit`` lines of the transcript as "role: text" lines."""
    lines = [f"{t.get('role', '?')}: {t.get('text', '')}" for t in request.transcript[-limit:]]
    return "\n".join(lines) or "(no messages)"


class TicketHandoffSink:
    """Implements ``routing.handoff.HandoffSink`` with a CRM ticket."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork],
                 policy: Callable[[], SlaPolicy]) -> None:
        self._uow, self._policy = uow_factory, policy

    async def handoff(self, request: HandoffRequest) -> HandoffResult:
        """Mark the conversation as handed off, open a ticket, return its number."""
        from crm_core.services import conversations, customers, tickets

        customer_id = request.customer_id
        if customer_id is None:
            visitor = await customers.create_customer(
                self._uow(), customers.NewCustomer(name=f"Chat visitor {request.sender_id[:24]}",
                                                   preferred_language=request.language),
                actor="bot",
            )
            customer_id = visitor.id
        conversation_id: int | None = request.conversation_id or None
        if conversation_id is not None:
            try:
                await conversations.hand_off(self._uow(), conversation_id, request.reason,
                                             actor="bot")
            except ConversationNotFound:
                conversation_id = None  # e.g. a sender of an outside Rasa deployment
            except RuleViolation as exc:
                log.warning("handoff of conversation %s: %s", conversation_id, exc.message)
        channel = request.channel if request.channel in _CHANNELS else Channel.WEB.value
        ticket = await tickets.create_ticket(
            self._uow(), self._policy(),
            tickets.NewTicket(
                customer_id=customer_id,
                subject=f"Chat handoff ({request.reason}): {request.intent or 'conversation'}",
                category="handoff", channel=Channel(channel),
                conversation_id=conversation_id, description=transcript_text(request),
            ),
            actor="bot",
        )
        return HandoffResult(status="ticket", ticket_number=ticket.number)
