"""Live chat between a customer (in the bot's web chat) and the agent who took them.

This is the contract with the chat side (``bot/gateway/channels``). Once the bot has
handed a conversation to the queue, the chat channel should:

1. subscribe to what the agent side says to this customer, for as long as the socket is
   open, keyed by the chat's ``sender_id`` (the web chat's session id)::

       hub: LiveChat = app[keys.LIVE_CHAT]
       async with hub.customer_feed(sender_id) as feed:
           async for event in feed:          # LiveEvent
               await ws.send_json(event.to_wire())   # {"type": "agent"|"agent_joined"|...}

2. pass every customer message to the agent while one holds the conversation::

       if await hub.post_customer_message(sender_id, text):
           ...  # delivered to the agent; the bot stays paused (the engine records the text)

3. send the CSAT answer the customer gives after ``{"type": "csat_request"}``::

       await hub.submit_csat(sender_id, score, comment)   # 1..5, stored in the CRM

Agent consoles use ``agent_feed(agent_id)`` and ``post_agent_message``. ``LiveChatHub`` is
in-process (one worker); ``routing.live_redis.RedisLiveChatHub`` has the same methods and
fans out through a Redis stream when several workers serve the customers and the agents.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class LiveKind(StrEnum):
    """What a live event carries (the wire ``type``)."""

    QUEUED = "queued"              # to the customer: position and estimated wait
    AGENT_JOINED = "agent_joined"  # to the customer: a person took the conversation
    AGENT = "agent"                # agent -> customer message
    CUSTOMER = "customer"          # customer -> agent message
    CSAT_REQUEST = "csat_request"  # to the customer: rate 1-5 and comment
    CLOSED = "closed"              # the agent resolved the conversation
    ROUTING = "routing"            # to agents: a queue event (offer, assignment, ...)


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event on a customer's or an agent's feed."""

    kind: LiveKind
    sender_id: str | None = None
    conversation_id: int | None = None
    text: str | None = None
    agent_name: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    def to_wire(self) -> dict[str, Any]:
        """JSON frame for a WebSocket: ``{"type": kind, ...}`` without empty fields."""
        frame: dict[str, Any] = {"type": self.kind.value, "at": self.at}
        for key in ("sender_id", "conversation_id", "text", "agent_name"):
            value = getattr(self, key)
            if value is not None:
                frame[key] = value
        return frame | self.data

    def to_dict(self) -> dict[str, Any]:
        """Lossless JSON-able form (for the Redis hub)."""
        return {"kind": self.kind.value, "sender_id": self.sender_id,
                "conversation_id": self.conversation_id, "text": self.text,
                "agent_name": self.agent_name, "data": self.data, "at": self.at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LiveEvent:
        """Inverse of ``to_dict``."""
        return cls(LiveKind(data["kind"]), data.get("sender_id"), data.get("conversation_id"),
                   data.get("text"), data.get("agent_name"), data.get("data") or {},
                   data.get("at") or time.time())


# What a customer without a live socket is handed on their next message.
_KEPT_FOR_LATER = frozenset({LiveKind.AGENT_JOINED, LiveKind.AGENT, LiveKind.CLOSED,
                             LiveKind.CSAT_REQUEST})
UNDELIVERED_PER_CUSTOMER = 100
UNDELIVERED_CUSTOMERS = 10_000


class Feed:
    """An async iterator over one subscriber's events (bounded; oldest dropped when full)."""

    def __init__(self, limit: int = 500) -> None:
        self._queue: asyncio.Queue[LiveEvent] = asyncio.Queue(limit)

    def put(self, event: LiveEvent) -> None:
        """Deliver without blocking the sender."""
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(event)

    def __aiter__(self) -> Feed:
        return self

    async def __anext__(self) -> LiveEvent:
        return await self._queue.get()

    async def get(self, timeout: float | None = None) -> LiveEvent:
        """The next event (``asyncio.TimeoutError`` after ``timeout`` seconds)."""
        return await asyncio.wait_for(self._queue.get(), timeout)


@dataclass(slots=True)
class LiveSession:
    """A conversation an agent holds: who the customer is, which agent, which task."""

    sender_id: str
    conversation_id: int | None
    task_id: str
    agent_id: int
    agent_name: str = ""


CsatRecorder = Callable[[LiveSession, int, str | None], Awaitable[None]]


class LiveChat(Protocol):
    """What the chat side uses (see the module docstring)."""

    def customer_feed(self, sender_id: str) -> Any:
        """Async context manager yielding a ``Feed`` of events for this customer."""

    async def post_customer_message(self, sender_id: str, text: str) -> bool:
        """Deliver to the agent holding the conversation; False when no agent holds it."""

    async def submit_csat(self, sender_id: str, score: int, comment: str | None = None) -> None:
        """Store the customer's rating of the conversation they just had with an agent."""

    def is_with_agent(self, sender_id: str) -> bool:
        """True while an agent holds this customer's conversation."""


class LiveChatHub:
    """In-process ``LiveChat``: fan-out between customer chats and agent consoles."""

    def __init__(self, csat_recorder: CsatRecorder | None = None) -> None:
        self._customers: dict[str, set[Feed]] = defaultdict(set)
        self._agents: dict[int, set[Feed]] = defaultdict(set)
        self._sessions: dict[str, LiveSession] = {}        # by sender_id, while held
        self._rating: dict[str, LiveSession] = {}          # by sender_id, awaiting CSAT
        self._csat = csat_recorder
        # Agent-side events for customers with no open feed (a REST or voice client):
        # handed over on their next turn (``take_undelivered``), oldest senders dropped.
        self._undelivered: dict[str, list[LiveEvent]] = {}

    # --- subscriptions -------------------------------------------------------------------
    @asynccontextmanager
    async def customer_feed(self, sender_id: str) -> AsyncIterator[Feed]:
        """Events for one customer while the context is open."""
        feed = Feed()
        self._customers[sender_id].add(feed)
        try:
            yield feed
        finally:
            self._customers[sender_id].discard(feed)

    @asynccontextmanager
    async def agent_feed(self, agent_id: int) -> AsyncIterator[Feed]:
        """Events for one agent's console while the context is open."""
        feed = Feed()
        self._agents[agent_id].add(feed)
        try:
            yield feed
        finally:
            self._agents[agent_id].discard(feed)

    def to_customer(self, sender_id: str, event: LiveEvent) -> None:
        """Deliver an event to every open chat of this customer."""
        self._local_customer(sender_id, event)

    def to_agent(self, agent_id: int, event: LiveEvent) -> None:
        """Deliver an event to every open console of this agent."""
        self._local_agent(agent_id, event)

    def to_all_agents(self, event: LiveEvent) -> None:
        """Deliver an event to every open console (queue changes)."""
        self._local_all(event)

    def _local_customer(self, sender_id: str, event: LiveEvent) -> None:
        feeds = list(self._customers.get(sender_id, ()))
        for feed in feeds:
            feed.put(event)
        if not feeds and event.kind in _KEPT_FOR_LATER:
            kept = self._undelivered.pop(sender_id, [])
            self._undelivered[sender_id] = (kept + [event])[-UNDELIVERED_PER_CUSTOMER:]
            while len(self._undelivered) > UNDELIVERED_CUSTOMERS:
                self._undelivered.pop(next(iter(self._undelivered)))

    def connected_customers(self) -> set[str]:
        """Customers with an open chat (socket.io / WebSocket feed) on this worker."""
        return {sender for sender, feeds in self._customers.items() if feeds}

    def take_undelivered(self, sender_id: str) -> list[LiveEvent]:
        """Agent-side events this customer had no open feed for, oldest first (once)."""
        return self._undelivered.pop(sender_id, [])

    def _local_agent(self, agent_id: int, event: LiveEvent) -> None:
        for feed in list(self._agents.get(agent_id, ())):
            feed.put(event)

    def _local_all(self, event: LiveEvent) -> None:
        for feeds in list(self._agents.values()):
            for feed in list(feeds):
                feed.put(event)

    # --- sessions -----------------------------------------------------------------------
    def open(self, session: LiveSession) -> None:
        """An agent took the conversation: tell the customer, route their messages."""
        self._sessions[session.sender_id] = session
        self.to_customer(session.sender_id, LiveEvent(
            LiveKind.AGENT_JOINED, session.sender_id, session.conversation_id,
            agent_name=session.agent_name))

    def close(self, sender_id: str, *, ask_csat: bool = True) -> LiveSession | None:
        """The agent resolved the conversation: tell the customer and ask for a rating."""
        session = self._sessions.pop(sender_id, None)
        if session is None:
            return None
        self.to_customer(sender_id, LiveEvent(LiveKind.CLOSED, sender_id, session.conversation_id,
                                              agent_name=session.agent_name))
        if ask_csat:
            self._rating[sender_id] = session
            self.to_customer(sender_id, LiveEvent(
                LiveKind.CSAT_REQUEST, sender_id, session.conversation_id,
                text="How did we do? Rate this conversation from 1 to 5.",
                data={"scale": [1, 2, 3, 4, 5]}))
        return session

    def drop(self, sender_id: str) -> LiveSession | None:
        """Forget a live session without asking for a rating (transfer, agent offline)."""
        return self._sessions.pop(sender_id, None)

    def sessions_of(self, agent_id: int) -> list[LiveSession]:
        """Live sessions an agent holds."""
        return [s for s in self._sessions.values() if s.agent_id == agent_id]

    def has_agent_feed(self, agent_id: int) -> bool:
        """True while at least one console of this agent is connected."""
        return bool(self._agents.get(agent_id))

    def session(self, sender_id: str) -> LiveSession | None:
        """The live session of this customer, if an agent holds it."""
        return self._sessions.get(sender_id)

    def is_with_agent(self, sender_id: str) -> bool:
        """True while an agent holds this customer's conversation."""
        return sender_id in self._sessions

    def awaiting_rating(self, sender_id: str) -> bool:
        """True after an agent resolved this customer's conversation, until they rate."""
        return sender_id in self._rating

    # --- messages -----------------------------------------------------------------------
    async def post_customer_message(self, sender_id: str, text: str) -> bool:
        """Deliver a customer's message to the agent holding the conversation."""
        session = self._sessions.get(sender_id)
        if session is None:
            return False
        self.to_agent(session.agent_id, LiveEvent(
            LiveKind.CUSTOMER, sender_id, session.conversation_id, text=text,
            data={"task_id": session.task_id}))
        return True

    async def post_agent_message(self, sender_id: str, agent_id: int, text: str) -> LiveSession:
        """Deliver an agent's message to the customer (``LookupError`` if not theirs)."""
        session = self._sessions.get(sender_id)
        if session is None or session.agent_id != agent_id:
            raise LookupError(sender_id)
        self.to_customer(sender_id, LiveEvent(LiveKind.AGENT, sender_id, session.conversation_id,
                                              text=text, agent_name=session.agent_name))
        return session

    async def submit_csat(self, sender_id: str, score: int, comment: str | None = None) -> None:
        """Store the rating of the conversation this customer just had (once)."""
        from crm_core.errors import InvalidInput, RuleViolation

        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise InvalidInput("score must be an integer from 1 to 5",
                               details={"field": "score", "value": score})
        session = self._rating.get(sender_id)
        if session is None:
            raise RuleViolation("there is no conversation waiting for a rating",
                                details={"sender_id": sender_id})
        if self._csat is not None:
            await self._csat(session, score, comment)
        self._rating.pop(sender_id, None)
        self.to_agent(session.agent_id, LiveEvent(
            LiveKind.ROUTING, sender_id, session.conversation_id,
            data={"event": "csat", "score": score, "comment": comment,
                  "task_id": session.task_id}))
