"""The tracker store on the CRM: conversations and messages through ``crm_core``
(its conversation service and unit of work), the Rasa-style events in a
``dialogue_events`` table of the same database.

``dialogue_events`` belongs to the dialogue engine (its rows are the tracker, nothing
else reads them); ``ensure_schema`` creates it if the CRM migrations have not.

A turn writes twice (the customer's message with its events before deciding, the bot's
messages with theirs before answering), through one writer task that commits whatever
has queued in one transaction (group commit). On SQLite (one writer at a time) the
remaining writes of one process queue on an asyncio lock instead of spinning in SQLite's
busy handler, which sleeps up to 100 ms per retry.
"""

from __future__ import annotations

from typing import Any

import asyncio
import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import JSON, Integer, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.dialogue.store import StoredConversation
from bot.dialogue.tracker import EventDict
from bot.messages import BotMessage
from bot.nlu.types import ParseResult
from crm_core.domain.enums import Channel, MessageRole
from crm_core.models import Message, utcnow
from crm_core.unit_of_work import SqlUnitOfWork


class _DialogueBase(DeclarativeBase):
    """The engine's own tables (not part of the CRM's migrations)."""


class DialogueEvent(_DialogueBase):
    """One tracker event of a conversation, in Rasa's wire format."""

    __tablename__ = "dialogue_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    event: Mapped[dict[str, Any]] = mapped_column(JSON)


metadata = _DialogueBase.metadata
_CHANNELS = {c.value for c in Channel}


async def ensure_schema(engine: AsyncEngine) -> None:
    """Create ``dialogue_events`` when missing (idempotent)."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all, checkfirst=True)


def crm_channel(channel: str) -> Channel:
    """The CRM's channel for a transport name (unknown ones count as web)."""
    return Channel(channel) if channel in _CHANNELS else Channel.WEB


def _clip(value: float | None, low: float, high: float) -> float | None:
    return None if value is None else min(max(float(value), low), high)


@dataclass
class _WriteItem:
    """One turn's rows waiting for the writer, and the future its turn awaits."""

    conversation_id: int
    messages: list[Message]
    events: list[EventDict]
    done: asyncio.Future[None]
    ids: list[int] = field(default_factory=list)


class _EventCache:
    """Recently used conversations' events, so a turn reads only the events added since
    (by any worker: rows are fetched by id, and one sender's turns never overlap)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[int, tuple[int, list[EventDict]]] = OrderedDict()

    def get(self, conversation_id: int) -> tuple[int, list[EventDict]]:
        item = self._items.get(conversation_id)
        if item is None:
            return 0, []
        self._items.move_to_end(conversation_id)
        return item[0], list(item[1])

    def put(self, conversation_id: int, last_id: int, events: list[EventDict]) -> None:
        self._items[conversation_id] = (last_id, events)
        self._items.move_to_end(conversation_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class CrmConversationStore:
    """Implements ``bot.dialogue.store.ConversationStore`` on the CRM database."""

    def __init__(self, session_factory: async_sessionmaker, cache_size: int = 10_000,
                 single_worker: bool = False, recheck_seconds: float = 5.0) -> None:
        """``single_worker``: this process is the only writer of dialogue events (no Redis
        locks), so cached events are complete and need no re-read; the sender's open
        conversation is re-checked every ``recheck_seconds`` (an agent may close it)."""
        self._sessions = session_factory
        bind = session_factory.kw.get("bind")
        sqlite = bind is not None and bind.dialect.name == "sqlite"
        self._write_lock: Any = asyncio.Lock() if sqlite else contextlib.nullcontext()
        self._cache = _EventCache(cache_size)
        self._single_worker = single_worker
        self._recheck = recheck_seconds
        self._open: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()
        self._pending: list[_WriteItem] = []
        self._writer: asyncio.Task[None] | None = None

    async def _conversation_id(self, sender_id: str, channel: Channel) -> int:
        key = (sender_id, channel.value)
        known = self._open.get(key)
        if known is not None and time.monotonic() - known[1] < self._recheck:
            return known[0]
        uow = self._uow()
        async with uow:
            conv = await uow.conversations.latest_for_sender(sender_id, channel)
        if conv is None:
            from crm_core.services import conversations

            async with self._write_lock:
                conv = await conversations.get_or_start_conversation(self._uow(), sender_id,
                                                                     channel)
        self._open[key] = (conv.id, time.monotonic())
        self._open.move_to_end(key)
        while len(self._open) > 10_000:
            self._open.popitem(last=False)
        return conv.id

    def _uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

    async def peek(self, sender_id: str, channel: str) -> list[EventDict]:
        """The events of the sender's open conversation ([] if none; creates nothing)."""
        uow = self._uow()
        async with uow:
            conv = await uow.conversations.latest_for_sender(sender_id, crm_channel(channel))
        if conv is None:
            return []
        return (await self.load(sender_id, channel)).events

    async def load(self, sender_id: str, channel: str) -> StoredConversation:
        """The sender's open conversation on this channel (new if none) and its events."""
        conversation_id = await self._conversation_id(sender_id, crm_channel(channel))
        last_id, events = self._cache.get(conversation_id)
        if not (self._single_worker and last_id):
            async with self._sessions() as session:
                rows = (await session.execute(
                    select(DialogueEvent.id, DialogueEvent.event)
                    .where(DialogueEvent.conversation_id == conversation_id,
                           DialogueEvent.id > last_id)
                    .order_by(DialogueEvent.id))).all()
            if rows:
                events.extend(row.event for row in rows)
                last_id = rows[-1].id
            self._cache.put(conversation_id, last_id, events)
        return StoredConversation(conversation_id, sender_id, channel, list(events))

    async def _write(self, conversation_id: int, messages: list[Message],
                     events: list[EventDict]) -> None:
        """Persist and wait for the commit (group commit: see ``_drain``)."""
        if not (messages or events):
            return
        item = _WriteItem(conversation_id, messages, events,
                          asyncio.get_running_loop().create_future())
        self._pending.append(item)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await item.done
        last_id, cached = self._cache.get(conversation_id)
        if item.ids and last_id and min(item.ids) > last_id:
            self._cache.put(conversation_id, max(item.ids), cached + events)

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
        # Messages are CRM rows (ORM); the engine's own events go in as one executemany
        # INSERT ... RETURNING, far cheaper than an ORM flush of each event.
        rows = [{"conversation_id": item.conversation_id, "event": event}
                for item in batch for event in item.events]
        async with self._write_lock, self._sessions() as session, session.begin():
            session.add_all([m for item in batch for m in item.messages])
            ids: list[int] = []
            if rows:
                result = await session.execute(
                    insert(DialogueEvent).returning(DialogueEvent.id,
                                                    sort_by_parameter_order=True), rows)
                ids = list(result.scalars())
        position = 0
        for item in batch:
            item.ids = ids[position:position + len(item.events)]
            position += len(item.events)

    async def record_user(self, conv: StoredConversation, text: str, parse: ParseResult,
                          events: list[EventDict]) -> None:
        """The customer's message with intent, confidence and sentiment, and its events."""
        message = Message(
            conversation_id=conv.conversation_id, role=MessageRole.CUSTOMER, text=text,
            intent=parse.intent.name, confidence=_clip(parse.intent.confidence, 0.0, 1.0),
            sentiment=_clip(parse.sentiment.score, -1.0, 1.0), created_at=utcnow(),
        )
        await self._write(conv.conversation_id, [message], events)

    async def record_bot(self, conv: StoredConversation, messages: list[BotMessage],
                         events: list[EventDict], changes: dict[str, Any]) -> None:
        """The bot's replies and the turn's events (the customer link and the handoff are
        recorded by the actions through their services)."""
        rows = [Message(conversation_id=conv.conversation_id, role=MessageRole.BOT,
                        text=m.text or m.image or "", created_at=utcnow())
                for m in messages if m.text or m.image]
        await self._write(conv.conversation_id, rows, events)
