"""``QueueHandoff``: the bot's ``HandoffSink`` backed by the routing queue.

The conversation is marked queued in the CRM and linked to a ticket that carries the
transcript (the dialogue package's ``TicketHandoffSink`` does both), then it enters the
queue with its priority signals: the customer's tier, the sentiment of the last turns, the
topic from the last intent, the language and the channel. The customer is told the
position and the estimated wait.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from routing.config import RoutingConfig
from routing.handoff import HandoffRequest, HandoffResult, HandoffSink
from routing.live import LiveChatHub, LiveEvent, LiveKind
from routing.model import Presence, Task
from routing.router import Router

log = logging.getLogger(__name__)

TierLookup = Callable[[int], Awaitable[str | None]]
ValueLookup = Callable[[int], Awaitable[float]]


def task_id_for(request: HandoffRequest) -> str:
    """One queue entry per conversation (a repeated handoff does not queue twice)."""
    if request.conversation_id:
        return f"conv-{request.conversation_id}"
    return f"sender-{request.sender_id}"


def task_from_request(request: HandoffRequest, config: RoutingConfig, *, tier: str | None,
                      ticket_id: int | None = None, value: float = 0.0) -> Task:
    """The queue task for a handoff: priority and skills signals from the request."""
    sentiment = request.sentiment_score
    if sentiment is None and request.reason == "negative_sentiment":
        sentiment = config.negative_handoff_sentiment
    if request.reason == "vip_complaint":
        tier = "vip"
    return Task(
        task_id=task_id_for(request), channel=request.channel, language=request.language or "en",
        topic=config.intent_topics.get(request.intent or ""), tier=tier or "standard",
        sentiment=sentiment, conversation_id=request.conversation_id or None,
        customer_id=request.customer_id, sender_id=request.sender_id, reason=request.reason,
        ticket_id=ticket_id, value=value)


class QueueHandoff:
    """Implements ``HandoffSink``: ticket with transcript, then the queue."""

    def __init__(self, router: Router, *, ticket_sink: HandoffSink | None = None,
                 tier_lookup: TierLookup | None = None, hub: LiveChatHub | None = None,
                 ticket_lookup: Callable[[str], Awaitable[int | None]] | None = None,
                 value_lookup: ValueLookup | None = None) -> None:
        self.router = router
        self._tickets = ticket_sink
        self._tier = tier_lookup
        self._hub = hub
        self._ticket_id = ticket_lookup
        self._value = value_lookup

    async def staffed(self) -> bool:
        """True when at least one agent is signed in (available, busy or away)."""
        return any(a.presence is not Presence.OFFLINE for a in await self.router.store.agents())

    async def handoff(self, request: HandoffRequest) -> HandoffResult:
        """Queue the conversation; the result carries position, wait and ticket number.

        With nobody signed in (and ``when_no_agents: ticket``, the default) the customer is
        not left in an empty queue: the ticket is the answer, and agents pick it up later.
        """
        unstaffed = not await self.staffed()
        if (self.router.config.when_no_agents == "ticket" and self._tickets is not None
                and unstaffed):
            # Nobody signed in: the ticket is the answer, and the conversation still waits
            # in the queue so the first capable agent who signs in is offered it.
            result = await self._tickets.handoff(request)
            ticket_id = (await self._ticket_id(result.ticket_number)
                         if result.ticket_number and self._ticket_id is not None else None)
            await self.router.enqueue(await self._task(request, ticket_id))
            return result
        ticket_number: str | None = None
        ticket_id: int | None = None
        if self._tickets is not None:
            try:
                ticket_number = (await self._tickets.handoff(request)).ticket_number
                if ticket_number and self._ticket_id is not None:
                    ticket_id = await self._ticket_id(ticket_number)
            except Exception:  # noqa: BLE001 - the customer still gets a person
                log.exception("could not open the handoff ticket for %s", request.sender_id)
        task = await self._task(request, ticket_id)
        position = await self.router.enqueue(task)
        if self._hub is not None:
            self._hub.to_customer(request.sender_id, LiveEvent(
                LiveKind.QUEUED, request.sender_id, request.conversation_id or None,
                data={"position": position.position,
                      "estimated_wait_seconds": position.estimated_wait_seconds}))
        return HandoffResult(status="queued", queue_position=position.position,
                             estimated_wait_seconds=position.estimated_wait_seconds,
                             ticket_number=ticket_number)

    async def status(self, conversation_id: int | None, sender_id: str) -> HandoffResult:
        """Where a waiting conversation stands: its ticket and, while someone is signed in,
        its queue position and the queue's own wait estimate."""
        ticket_number: str | None = None
        status = getattr(self._tickets, "status", None)
        if status is not None:
            ticket_number = (await status(conversation_id, sender_id)).ticket_number
        task_id = f"conv-{conversation_id}" if conversation_id else f"sender-{sender_id}"
        await self.router.seen([sender_id])  # they wrote: back in line if they had left
        if await self.staffed():
            try:
                position = await self.router.position(task_id)
            except Exception:  # noqa: BLE001 - not (or no longer) in the queue
                position = None
            if position is not None:
                return HandoffResult(status="queued", queue_position=position.position,
                                     estimated_wait_seconds=position.estimated_wait_seconds,
                                     ticket_number=ticket_number)
        return HandoffResult(status="ticket", ticket_number=ticket_number)

    async def _task(self, request: HandoffRequest, ticket_id: int | None) -> Task:
        tier, value = None, 0.0
        if request.customer_id is not None:
            if self._tier is not None:
                tier = await self._tier(request.customer_id)
            if self._value is not None:
                try:
                    value = await self._value(request.customer_id)
                except Exception:  # noqa: BLE001 - analytics are a bonus, never a blocker
                    log.warning("no value signal for customer %s", request.customer_id,
                                exc_info=True)
        return task_from_request(request, self.router.config, tier=tier, ticket_id=ticket_id,
                                 value=value)
