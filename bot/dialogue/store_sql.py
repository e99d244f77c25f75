"""The tracker store on the CRM: conversations and messages through ``crm_core``
(its conversation service and unit of work), the Rasa-style events in the
``dialogue_events`` table of the same database (``crm_core.models.DialogueEvent``,
created by the CRM's migrations like every other table).

A turn writes twice (the customer's message with its events before deciding, the bot's
messages with theirs before answering), through one writer task that commits whatever
has queued in one transaction (group commit) as two multi-row Core INSERTs (no ORM
unit of work on this path: it was most of a turn's database time). On SQLite (one writer
at a time) the remaining writes of one process queue on an asyncio lock instead of
spinning in SQLite's busy handler, which sleeps up to 100 ms per retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.dialogue.lru import BoundedLru
from bot.dialogue.store import StoredConversation
from bot.dialogue.tracker import EventDict
from bot.messages import BotMessage
from bot.nlu.types import ParseResult
from crm_core.domain.enums import Channel, ConversationStatus, MessageRole
from crm_core.models import Conversation, DialogueEvent, Message, utcnow
from crm_core.services import audit, checks, conversations

_CHANNELS = {c.value for c in Channel}
_EVENTS = DialogueEvent.__table__
_MESSAGES = Message.__table__
_CONVERSATIONS = Conversation.__table__
# Rows per INSERT statement (SQLite allows 32,766 bound parameters per statement).
_CHUNK = 2_000


def crm_channel(channel: str) -> Channel:
    """The CRM's channel for a transport name (unknown ones count as web)."""
    return Channel(channel) if channel in _CHANNELS else Channel.WEB


def _sender(sender_id: str) -> str:
    """The sender id as the CRM stores it (stripped, 1-128 characters)."""
    return checks.text("sender_id", sender_id, 128, required=True) or ""


def _clip(value: float | None, low: float, high: float) -> float | None:
    return None if value is None else min(max(float(value), low), high)


@dataclass
class _WriteItem:
    """One turn's rows waiting for the writer, and the future its turn awaits."""

    conversation_id: int
    messages: list[dict[str, Any]]
    events: list[EventDict]
    done: asyncio.Future[None]
    ids: list[int] = field(default_factory=list)
    # A conversation to open (its row; conversation_id is set when it is inserted).
    new_conversation: dict[str, Any] | None = None
    # The customer this conversation is now linked to (identity verified by an action).
    customer_id: int | None = None


def _chunks(rows: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start:start + _CHUNK]


class _EventCache:
    """Recently used conversations' events, so a turn reads only the events added since
    (by any worker: rows are fetched by id, and one sender's turns never overlap).
    Bounded by conversations and by events in all (least recently used go first)."""

    def __init__(self, size: int, max_events: int = 250_000) -> None:
        self._items: BoundedLru[int, tuple[int, list[EventDict]]] = BoundedLru(
            size, max_events, lambda item: len(item[1]))

    def get(self, conversation_id: int) -> tuple[int, list[EventDict]] | None:
        """``(last event id, events)``, or None when the conversation is not cached
        (an empty new conversation is cached as ``(0, [])``)."""
        item = self._items.get(conversation_id)
        if item is None:
            return None
        return item[0], list(item[1])

    def put(self, conversation_id: int, last_id: int, events: list[EventDict]) -> None:
        self._items.put(conversation_id, (last_id, events))

    def drop(self, conversation_id: int) -> None:
        self._items.pop(conversation_id)


class CrmConversationStore:
    """Implements ``bot.dialogue.store.ConversationStore`` on the CRM database."""

    def __init__(self, session_factory: async_sessionmaker, cache_size: int = 10_000,
                 single_worker: bool = False, recheck_seconds: float = 5.0,
                 cache_events: int = 250_000) -> None:
        """``single_worker``: this process is the only writer of dialogue events (no Redis
        locks), so cached events are complete and need no re-read. Every
        ``recheck_seconds`` one query finds which of the remembered open conversations
        were closed meanwhile (an agent may close one); their senders start anew."""
        self._engine: AsyncEngine = session_factory.kw["bind"]
        sqlite = self._engine.dialect.name == "sqlite"
        self._write_lock: Any = asyncio.Lock() if sqlite else contextlib.nullcontext()
        self._cache = _EventCache(cache_size, cache_events)
        self._single_worker = single_worker
        self._recheck = recheck_seconds
        self._open: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._checked_at = time.monotonic()
        self._sweep: asyncio.Task[None] | None = None
        self._pending: list[_WriteItem] = []
        self._writer: asyncio.Task[None] | None = None

    async def _conversation_id(self, sender_id: str, channel: Channel) -> int:
        await self._forget_closed()
        key = (sender_id, channel.value)
        known = self._open.get(key)
        if known is not None:
            self._open.move_to_end(key)
            return known
        found = await self._latest_open(sender_id, channel)
        if found is None:
            found = await self._start(sender_id, channel)
            self._cache.put(found, 0, [])  # nothing happened in it yet
        self._remember(key, found)
        return found

    def _remember(self, key: tuple[str, str], conversation_id: int) -> None:
        self._open[key] = conversation_id
        self._open.move_to_end(key)
        while len(self._open) > 10_000:
            self._open.popitem(last=False)

    async def _latest_open(self, sender_id: str, channel: Channel) -> int | None:
        """The id of the sender's latest conversation on ``channel`` that is not closed
        (what ``ConversationRepository.latest_for_sender`` finds), in one Core query."""
        async with self._engine.connect() as conn:
            return (await conn.execute(
                select(_CONVERSATIONS.c.id)
                .where(_CONVERSATIONS.c.sender_id == sender_id,
                       _CONVERSATIONS.c.channel == channel,
                       _CONVERSATIONS.c.status != ConversationStatus.CLOSED)
                .order_by(_CONVERSATIONS.c.started_at.desc(), _CONVERSATIONS.c.id.desc())
                .limit(1))).scalar()

    async def _start(self, sender_id: str, channel: Channel) -> int:
        """Open a conversation handled by the bot (as ``conversations.start_conversation``
        does), inserted by the group writer with whatever else is being committed."""
        row = {"sender_id": sender_id, "channel": channel, "customer_id": None,
               "agent_id": None, "status": ConversationStatus.BOT, "language": None,
               "handoff_reason": None, "started_at": utcnow(), "ended_at": None}
        item = await self._enqueue(_WriteItem(0, [], [], asyncio.get_running_loop()
                                              .create_future(), new_conversation=row))
        return item.conversation_id

    async def _forget_closed(self) -> None:
        """Every ``recheck_seconds``: drop remembered conversations that are closed now
        (one query for all of them; concurrent turns wait for the same one)."""
        if self._sweep is None and time.monotonic() - self._checked_at >= self._recheck:
            self._sweep = asyncio.create_task(self._find_closed())
        if self._sweep is not None:
            sweep = self._sweep
            try:
                await asyncio.shield(sweep)
            finally:
                if self._sweep is sweep and sweep.done():
                    self._sweep = None

    async def _find_closed(self) -> None:
        ids = list(set(self._open.values()))
        closed: set[int] = set()
        async with self._engine.connect() as conn:
            for chunk in _chunks(ids):
                closed.update((await conn.execute(
                    select(_CONVERSATIONS.c.id).where(
                        _CONVERSATIONS.c.id.in_(chunk),
                        _CONVERSATIONS.c.status == ConversationStatus.CLOSED))).scalars())
        for key in [k for k, v in self._open.items() if v in closed]:
            del self._open[key]
        self._checked_at = time.monotonic()

    def forget(self, sender_id: str, channel: str) -> None:
        """Drop the remembered open conversation of this sender (an agent just closed it),
        so the next turn finds it closed at once instead of at the next sweep."""
        self._open.pop((_sender(sender_id), crm_channel(channel).value), None)

    async def peek(self, sender_id: str, channel: str) -> list[EventDict]:
        """The events of the sender's open conversation ([] if none; creates nothing)."""
        sender_id = _sender(sender_id)
        key = (sender_id, crm_channel(channel).value)
        await self._forget_closed()
        if key not in self._open:
            found = await self._latest_open(sender_id, crm_channel(channel))
            if found is None:
                return []
            self._remember(key, found)
        return (await self.load(sender_id, channel)).events

    async def load(self, sender_id: str, channel: str) -> StoredConversation:
        """The sender's open conversation on this channel (new if none) and its events."""
        sender_id = _sender(sender_id)
        conversation_id = await self._conversation_id(sender_id, crm_channel(channel))
        cached = self._cache.get(conversation_id)
        last_id, events = cached or (0, [])
        if not (self._single_worker and cached is not None):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(
                    select(_EVENTS.c.id, _EVENTS.c.event)
                    .where(_EVENTS.c.conversation_id == conversation_id,
                           _EVENTS.c.id > last_id)
                    .order_by(_EVENTS.c.id))).all()
            if rows:
                events.extend(row.event for row in rows)
                last_id = rows[-1].id
            self._cache.put(conversation_id, last_id, events)
        return StoredConversation(conversation_id, sender_id, channel, list(events))

    async def _write(self, conversation_id: int, messages: list[dict[str, Any]],
                     events: list[EventDict]) -> None:
        """Persist and wait for the commit (group commit: see ``_drain``)."""
        if not (messages or events):
            return
        item = await self._enqueue(_WriteItem(conversation_id, messages, events,
                                              asyncio.get_running_loop().create_future()))
        if not events:
            return
        cached = self._cache.get(conversation_id)
        if cached is not None and item.ids and min(item.ids) > cached[0]:
            self._cache.put(conversation_id, max(item.ids), cached[1] + events)
        else:  # not cached, or rows written meanwhile by another worker: re-read later
            self._cache.drop(conversation_id)

    async def _enqueue(self, item: _WriteItem) -> _WriteItem:
        self._pending.append(item)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await item.done
        return item

    async def _drain(self) -> None:
        """Write everything queued in one transaction, again while more has queued.

        Concurrent turns share a commit (one writer, no lock convoy on SQLite); each turn
        still answers only after its own rows are committed. If a batch fails, its items
        are retried one by one so only the faulty turn sees the error.
        """
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._commit(batch)
            except Exception:  # noqa: BLE001 - isolate the failing turn below
                for item in batch:
                    try:
                        await self._commit([item])
                    except Exception as exc:  # noqa: BLE001 - handed to that turn
                        item.done.set_exception(exc)
                    else:
                        item.done.set_result(None)
                continue
            for item in batch:
                if not item.done.done():
                    item.done.set_result(None)

    async def _commit(self, batch: list[_WriteItem]) -> None:
        # Core INSERTs, several rows each: far cheaper than an ORM flush per row.
        messages = [m for item in batch for m in item.messages]
        rows = [{"conversation_id": item.conversation_id, "event": event}
                for item in batch for event in item.events]
        returned: list[tuple[int, int]] = []
        opening = [item for item in batch if item.new_conversation is not None]
        async with self._write_lock, self._engine.begin() as conn:
            for chunk in _chunks(opening):
                result = await conn.execute(
                    insert(_CONVERSATIONS).returning(_CONVERSATIONS.c.id,
                                                     _CONVERSATIONS.c.sender_id,
                                                     _CONVERSATIONS.c.channel),
                    [item.new_conversation for item in chunk])
                opened = {(sender, str(channel)): cid for cid, sender, channel in result}
                for item in chunk:
                    row = item.new_conversation or {}
                    item.conversation_id = opened[(row["sender_id"], str(row["channel"]))]
            for chunk in _chunks(messages):
                await conn.execute(insert(_MESSAGES), chunk)
            for chunk in _chunks(rows):
                result = await conn.execute(
                    insert(_EVENTS).returning(_EVENTS.c.id, _EVENTS.c.conversation_id), chunk)
                returned.extend((row[0], row[1]) for row in result)
            links = [(item.conversation_id, item.customer_id) for item in batch
                     if item.customer_id is not None]
            for chunk in _chunks(links):
                await conversations.link_customers(conn, chunk, actor=audit.BOT)
        # Ids are unique and increasing per conversation; their order within the
        # statement is not promised, so they are matched by conversation. A batch holds
        # at most one item per conversation (its sender's turns never overlap).
        ids: dict[int, list[int]] = {}
        for event_id, conversation_id in returned:
            ids.setdefault(conversation_id, []).append(event_id)
        for item in batch:
            item.ids = ids.get(item.conversation_id, [])

    async def link_customer(self, conversation_id: int, customer_id: int) -> None:
        """Link the conversation to its verified customer (with its audit entry) in the
        next group commit; returns once committed. Done one unit of work per link, a
        thousand customers verifying within seconds queued on SQLite's single writer and
        the connection pool behind the turns' own writes."""
        await self._enqueue(_WriteItem(conversation_id, [], [],
                                       asyncio.get_running_loop().create_future(),
                                       customer_id=customer_id))

    async def record_user(self, conv: StoredConversation, text: str, parse: ParseResult,
                          events: list[EventDict]) -> None:
        """The customer's message with intent, confidence and sentiment, and its events."""
        message = {
            "conversation_id": conv.conversation_id, "role": MessageRole.CUSTOMER,
            "text": text, "intent": parse.intent.name,
            "confidence": _clip(parse.intent.confidence, 0.0, 1.0),
            "sentiment": _clip(parse.sentiment.score, -1.0, 1.0), "created_at": utcnow(),
        }
        await self._write(conv.conversation_id, [message], events)

    async def record_bot(self, conv: StoredConversation, messages: list[BotMessage],
                         events: list[EventDict], changes: dict[str, Any]) -> None:
        """The bot's replies and the turn's events (the customer link and the handoff are
        recorded by the actions through their services)."""
        now = utcnow()
        rows = [{"conversation_id": conv.conversation_id, "role": MessageRole.BOT,
                 "text": m.text or m.image or "", "intent": None, "confidence": None,
                 "sentiment": None, "created_at": now}
                for m in messages if m.text or m.image]
        await self._write(conv.conversation_id, rows, events)
