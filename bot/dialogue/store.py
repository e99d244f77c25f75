"""Where conversations live: the tracker events, and the CRM's conversation and messages.

``ConversationStore`` is the engine's port. ``InMemoryConversationStore`` serves unit
tests; ``bot.dialogue.store_sql.CrmConversationStore`` keeps everything in the CRM database.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.dialogue.tracker import EventDict
from bot.messages import BotMessage
from bot.nlu.types import ParseResult


@dataclass
class StoredConversation:
    """A conversation's CRM id and the events stored so far."""

    conversation_id: int
    sender_id: str
    channel: str
    events: list[EventDict] = field(default_factory=list)


class ConversationStore(Protocol):
    """Persistence the engine needs; every method commits before it returns."""

    async def load(self, sender_id: str, channel: str) -> StoredConversation:
        """The sender's open conversation (created when there is none)."""
        ...

    async def peek(self, sender_id: str, channel: str) -> list[EventDict]:
        """The events of the sender's open conversation ([] if none; creates nothing)."""
        ...

    async def record_user(self, conv: StoredConversation, text: str, parse: ParseResult,
                          events: list[EventDict]) -> None:
        """Persist a customer message (with intent, confidence, sentiment) and its events."""
        ...

    async def record_bot(self, conv: StoredConversation, messages: list[BotMessage],
                         events: list[EventDict], changes: dict[str, Any]) -> None:
        """Persist the bot's replies, the turn's events and conversation ``changes``
        (``customer_id``, ``language``, ``status``, ``handoff_reason``)."""
        ...


class InMemoryConversationStore:
    """A dict-backed store for tests and for running without a database."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.conversations: dict[str, StoredConversation] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.attributes: dict[int, dict[str, Any]] = {}

    async def load(self, sender_id: str, channel: str) -> StoredConversation:
        """The sender's conversation, created on first use."""
        conv = self.conversations.get(sender_id)
        if conv is None:
            conv = StoredConversation(next(self._ids), sender_id, channel)
            self.conversations[sender_id] = conv
        return StoredConversation(conv.conversation_id, sender_id, conv.channel, list(conv.events))

    async def peek(self, sender_id: str, channel: str) -> list[EventDict]:
        """The sender's events, without creating a conversation."""
        conv = self.conversations.get(sender_id)
        return list(conv.events) if conv else []

    async def record_user(self, conv: StoredConversation, text: str, parse: ParseResult,
                          events: list[EventDict]) -> None:
        """Keep the message with its NLU data and append the events."""
        self.messages.setdefault(conv.conversation_id, []).append({
            "role": "customer", "text": text, "intent": parse.intent.name,
            "confidence": parse.intent.confidence, "sentiment": parse.sentiment.score,
        })
        self.conversations[conv.sender_id].events.extend(events)

    async def record_bot(self, conv: StoredConversation, messages: list[BotMessage],
                         events: list[EventDict], changes: dict[str, Any]) -> None:
        """Keep the replies, append the events, remember the changes."""
        for message in messages:
            self.messages.setdefault(conv.conversation_id, []).append(
                {"role": "bot", "text": message.text or ""}
            )
        self.conversations[conv.sender_id].events.extend(events)
        self.attributes.setdefault(conv.conversation_id, {}).update(changes)
