"""The tracker store on the CRM: conversations and messages through ``crm_core``
services, the Rasa-style events in a ``dialogue_events`` table of the same database.

``dialogue_events`` belongs to the dialogue engine (its rows are the tracker, nothing
else reads them); ``ensure_schema`` creates it if the CRM migrations have not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.dialogue.store import StoredConversation
from bot.dialogue.tracker import EventDict
from bot.messages import BotMessage
from bot.nlu.types import ParseResult
from crm_core.domain.enums import Channel, MessageRole
from crm_core.unit_of_work import SqlUnitOfWork

metadata = MetaData()
dialogue_events = Table(
    "dialogue_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", Integer, nullable=False, index=True),
    Column("event", JSON, nullable=False),
)
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


class CrmConversationStore:
    """Implements ``bot.dialogue.store.ConversationStore`` on the CRM database."""

    def __init__(self, session_factory: async_sessionmaker) -> None:
        self._sessions = session_factory

    def _uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

    async def load(self, sender_id: str, channel: str) -> StoredConversation:
        """The sender's open conversation on this channel (new if none) and its events."""
        from crm_core.services import conversations

        conv = await conversations.get_or_start_conversation(self._uow(), sender_id,
                                                             crm_channel(channel))
        async with self._sessions() as session:
            rows = await session.execute(
                select(dialogue_events.c.event)
                .where(dialogue_events.c.conversation_id == conv.id)
                .order_by(dialogue_events.c.id))
            events = [row[0] for row in rows]
        return StoredConversation(conv.id, sender_id, channel, events)

    async def _append_events(self, conversation_id: int, events: list[EventDict]) -> None:
        if not events:
            return
        async with self._sessions() as session:
            await session.execute(insert(dialogue_events), [
                {"conversation_id": conversation_id, "event": e} for e in events
            ])
            await session.commit()

    async def record_user(self, conv: StoredConversation, text: str, parse: ParseResult,
                          events: list[EventDict]) -> None:
        """The customer's message with intent, confidence and sentiment, then the events."""
        from crm_core.services import conversations

        await conversations.append_message(
            self._uow(), conv.conversation_id, MessageRole.CUSTOMER, text,
            intent=parse.intent.name, confidence=_clip(parse.intent.confidence, 0.0, 1.0),
            sentiment=_clip(parse.sentiment.score, -1.0, 1.0),
        )
        await self._append_events(conv.conversation_id, events)

    async def record_bot(self, conv: StoredConversation, messages: list[BotMessage],
                         events: list[EventDict], changes: dict[str, Any]) -> None:
        """The bot's replies, then the turn's events (the customer link and the handoff
        are recorded by the actions through their services)."""
        from crm_core.services import conversations

        for message in messages:
            text = message.text or (message.image or "")
            if text:
                await conversations.append_message(self._uow(), conv.conversation_id,
                                                   MessageRole.BOT, text)
        await self._append_events(conv.conversation_id, events)
