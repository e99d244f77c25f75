"""The handoff sink used until routing registers its queue: open a ticket, say its number;
and ``AfterHandoff``, what the engine does with every message while the bot is paused.

A visitor who has not identified themselves gets a minimal customer record so the ticket
has an owner an agent can work with (the ticket keeps the transcript). A conversation has
at most one open handoff ticket: a second trigger reuses it.

After the handoff the customer is never left in silence, whatever the channel (web, REST,
socket.io, voice all go through the engine): while an agent holds the conversation the
message goes to that agent; otherwise it is kept (the engine stores every message) and the
customer is told the truth: the ticket number, and either the queue's own position and
wait estimate or that nobody is signed in and the reply will come here and by email.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.messages import BotMessage
from crm_core.domain.enums import Channel
from crm_core.domain.policy import SlaPolicy
from crm_core.errors import ConversationNotFound, KefuError
from crm_core.unit_of_work import UnitOfWork
from routing.handoff import HandoffRequest, HandoffResult, HandoffSink

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
        from crm_core.services import customers, tickets

        customer_id = request.customer_id
        if customer_id is None:
            visitor = await customers.create_customer(
                self._uow(), customers.NewCustomer(name=f"Chat visitor {request.sender_id[:24]}",
                                                   preferred_language=request.language),
                actor="bot",
            )
            customer_id = visitor.id
        channel = request.channel if request.channel in _CHANNELS else Channel.WEB.value

        async def open_ticket(conversation_id: int | None) -> Any:
            # The conversation is queued in the ticket's own transaction (one or neither).
            return await tickets.create_ticket(
                self._uow(), self._policy(),
                tickets.NewTicket(
                    customer_id=customer_id,
                    subject=f"Chat handoff ({request.reason}): "
                            f"{request.intent or 'conversation'}",
                    category="handoff", channel=Channel(channel),
                    conversation_id=conversation_id, description=transcript_text(request),
                ),
                actor="bot", reuse_open=True, handoff_reason=request.reason,
            )

        try:
            ticket = await open_ticket(request.conversation_id or None)
        except ConversationNotFound:  # e.g. a sender of an outside Rasa deployment
            ticket = await open_ticket(None)
        return HandoffResult(status="ticket", ticket_number=ticket.number)

    async def status(self, conversation_id: int | None, sender_id: str) -> HandoffResult:
        """The conversation's open handoff ticket (number None when there is none)."""
        number: str | None = None
        if conversation_id:
            uow = self._uow()
            async with uow:
                ticket = await uow.tickets.open_for_conversation(conversation_id, "handoff")
                number = ticket.number if ticket is not None else None
        return HandoffResult(status="ticket", ticket_number=number)


# What a waiting customer is told; {ticket} / {position} / {wait} from the sink's status.
_WAITING = {
    "queued": {
        "en": "Your message is kept with ticket {ticket}. You are number {position} in the "
              "queue; a colleague should answer here in about {wait} min, with the whole "
              "conversation in front of them. If you leave, the reply also comes by email.",
        "zh": "您的消息已保存在工单 {ticket} 中。您在队列中排第 {position} 位，人工客服预计约 "
              "{wait} 分钟后在此回复，并能看到完整对话。若您离开，回复也会通过邮件发送。",
    },
    "ticket": {
        "en": "No colleague is online right now. Your message is kept with ticket {ticket}; "
              "the first colleague who signs in gets this whole conversation and will answer "
              "here and by email.",
        "zh": "目前没有人工客服在线。您的消息已保存在工单 {ticket} 中；第一位上线的客服会看到"
              "完整对话，并在此处和通过邮件回复您。",
    },
}


def waiting_text(result: HandoffResult | None, language: str) -> str:
    """The honest answer to a message sent while the customer waits for a person."""
    lang = "zh" if (language or "").startswith("zh") else "en"
    kind = "queued" if result is not None and result.status == "queued" else "ticket"
    wait = round(((result.estimated_wait_seconds if result else None) or 0) / 60) or 1
    ticket = (result.ticket_number if result else None) or ("-" if lang == "en" else "—")
    return _WAITING[kind][lang].format(ticket=ticket, wait=wait,
                                       position=(result.queue_position if result else None)
                                       or 1)


_LIVE_TEXT = {
    "agent_joined": {"en": "{agent} has joined the conversation.",
                     "zh": "{agent} 已接入对话。"},
    "closed": {"en": "{agent} has resolved this conversation.",
               "zh": "{agent} 已结束本次对话。"},
}


def live_message(event: Any, language: str) -> BotMessage | None:
    """A live event (``routing.live.LiveEvent``) as a bot message for a socket-less channel."""
    lang = "zh" if (language or "").startswith("zh") else "en"
    kind = getattr(event.kind, "value", str(event.kind))
    agent = event.agent_name or ("A colleague" if lang == "en" else "客服")
    if kind == "agent":
        return BotMessage(text=f"{agent}: {event.text}", language=language,
                          custom={"live": event.to_wire()})
    if kind == "csat_request":
        from bot.messages import Button

        return BotMessage(text=event.text, language=language,
                          buttons=tuple(Button(title=str(n),
                                               payload=f'/csat_rating{{"csat_score": {n}}}')
                                        for n in range(1, 6)))
    if kind in _LIVE_TEXT:
        return BotMessage(text=_LIVE_TEXT[kind][lang].format(agent=agent), language=language)
    return None


class AfterHandoff:
    """The engine's one after-handoff path: used for every channel's paused turns."""

    def __init__(self, sink: Callable[[], HandoffSink | None],
                 live: Callable[[], Any | None]) -> None:
        self._sink, self._live = sink, live

    async def on_message(self, sender_id: str, conversation_id: int | None, text: str,
                         language: str) -> list[BotMessage]:
        """To the agent who holds the conversation (no bot reply), else the honest status."""
        hub = self._live()
        if hub is not None and hub.is_with_agent(sender_id):
            if await hub.post_customer_message(sender_id, text):
                return []
        sink = self._sink()
        result: HandoffResult | None = None
        status = getattr(sink, "status", None)
        if status is not None:
            try:
                result = await status(conversation_id, sender_id)
            except Exception:  # noqa: BLE001 - the customer still gets an answer
                log.warning("no handoff status for %s", sender_id, exc_info=True)
        return [BotMessage(text=waiting_text(result, language), language=language)]

    def undelivered(self, sender_id: str, language: str) -> list[BotMessage]:
        """What the agent side said while this customer had no live socket (REST, voice)."""
        hub = self._live()
        take = getattr(hub, "take_undelivered", None)
        if take is None:
            return []
        return [message for event in take(sender_id)
                if (message := live_message(event, language)) is not None]

    def ended(self, sender_id: str) -> bool:
        """True when an agent has just resolved this customer's conversation (the bot
        takes over again: a new conversation, no second identity check by the agent)."""
        hub = self._live()
        check = getattr(hub, "awaiting_rating", None)
        return bool(check is not None and check(sender_id))

    async def rate(self, sender_id: str, score: Any) -> bool:
        """A rating of the agent conversation that just ended (True when stored there)."""
        hub = self._live()
        if hub is None:
            return False
        try:
            await hub.submit_csat(sender_id, int(float(score)))
        except (KefuError, ValueError, TypeError):
            return False
        return True
