"""The interface between the bot and the human-agent queue.

The dialogue engine calls ``HandoffSink.handoff`` when a conversation needs a person; the
routing package implements it (enqueue with priority and skills); until a queue is
configured, a fallback implementation opens a ticket and tells the customer so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class HandoffRequest:
    """Why and what the bot hands over."""

    conversation_id: int
    sender_id: str
    channel: str
    reason: str  # asked_for_human | repeated_fallback | negative_sentiment | vip_complaint | ...
    language: str = "en"
    customer_id: int | None = None
    intent: str | None = None
    sentiment_score: float | None = None
    transcript: tuple[dict[str, Any], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class HandoffResult:
    """What the customer is told: queued (with position and wait) or a ticket was opened."""

    status: str  # "queued" | "ticket"
    queue_position: int | None = None
    estimated_wait_seconds: float | None = None
    ticket_number: str | None = None


class HandoffSink(Protocol):
    """Receives conversations the bot hands to humans."""

    async def handoff(self, request: HandoffRequest) -> HandoffResult: ...
