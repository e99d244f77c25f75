"""The one message pipeline every channel feeds: a user message in, bot messages out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Button:
    """A quick reply: ``payload`` is sent back as the user's message (``/intent{...}``)."""

    title: str
    payload: str


@dataclass(frozen=True)
class UserMessage:
    """One message from a customer on any channel."""

    sender_id: str
    text: str
    channel: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BotMessage:
    """One bot reply; only the non-empty fields go on the wire."""

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    attachment: Any = None
    custom: Any = None
    language: str | None = None


class MessageHandler(Protocol):
    """Handles one user message in order for its sender and returns the bot's replies."""

    async def handle(self, message: UserMessage) -> list[BotMessage]: ...
