"""Plain routing types: tasks waiting for a person, agents who take them, offers.

Nothing here knows about Redis, SQL or HTTP; both queue backends store these shapes.
Presence values match ``crm_core.domain.Presence`` so the CRM's value converts directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any


class Presence(StrEnum):
    """An agent's availability; only ``available`` agents receive offers."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"


class TaskStatus(StrEnum):
    """Where a task is: waiting in the queue, offered (reserved) to one agent, or assigned."""

    WAITING = "waiting"
    OFFERED = "offered"
    ASSIGNED = "assigned"


class ChannelKind(StrEnum):
    """Capacity is counted per kind of channel: an agent may hold 1 call and 3 chats."""

    CHAT = "chat"
    VOICE = "voice"
    EMAIL = "email"


_VOICE_CHANNELS = frozenset({"voice", "phone", "twilio"})


def channel_kind(channel: str) -> ChannelKind:
    """Map a conversation channel (web, rest, socketio, voice, phone, email) to its kind."""
    if channel in _VOICE_CHANNELS:
        return ChannelKind.VOICE
    if channel == "email":
        return ChannelKind.EMAIL
    return ChannelKind.CHAT


@dataclass(frozen=True, slots=True)
class Task:
    """One customer waiting for a person; the signals the priority score reads."""

    task_id: str
    channel: str = "web"
    language: str = "en"
    topic: str | None = None
    tier: str = "standard"
    sentiment: float | None = None  # -1 (angry) .. +1 (happy), over the last turns
    enqueued_at: float = 0.0
    sla_due_at: float | None = None
    conversation_id: int | None = None
    customer_id: int | None = None
    sender_id: str | None = None
    reason: str | None = None
    ticket_id: int | None = None
    value: float = 0.0  # 0..1 customer value / churn-risk signal from crm_core.analytics
    seen_at: float = 0.0  # last sign of the customer (a message, an open chat socket)

    @property
    def kind(self) -> ChannelKind:
        """Capacity bucket this task occupies."""
        return channel_kind(self.channel)

    def gone(self, now: float, after_seconds: float | None) -> bool:
        """A chat customer with no sign of life for ``after_seconds``: not offered live
        (their ticket carries on by email) until they are back. Calls are never "gone"
        here: a hang-up ends them."""
        return (after_seconds is not None and self.kind is ChannelKind.CHAT
                and now - max(self.seen_at, self.enqueued_at) > after_seconds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (stored by the Redis backend)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        """Inverse of ``to_dict``."""
        return cls(**data)


@dataclass(frozen=True, slots=True)
class TaskState:
    """A task and where it stands in the queue."""

    task: Task
    status: TaskStatus = TaskStatus.WAITING
    agent_id: int | None = None
    offer_expires_at: float | None = None
    declined_by: frozenset[int] = frozenset()

    @property
    def task_id(self) -> str:
        """Shortcut to the task's id."""
        return self.task.task_id


@dataclass(frozen=True, slots=True)
class AgentProfile:
    """What an agent can do: languages, topic proficiency (1 basic .. 3 expert), capacity."""

    agent_id: int
    name: str = ""
    languages: frozenset[str] = frozenset({"en"})
    skills: dict[str, int] = field(default_factory=dict)
    capacity: dict[str, int] = field(
        default_factory=lambda: {ChannelKind.CHAT: 3, ChannelKind.VOICE: 1, ChannelKind.EMAIL: 5}
    )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"agent_id": self.agent_id, "name": self.name,
                "languages": sorted(self.languages), "skills": dict(self.skills),
                "capacity": {str(k): v for k, v in self.capacity.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentProfile:
        """Inverse of ``to_dict``."""
        return cls(agent_id=int(data["agent_id"]), name=data.get("name", ""),
                   languages=frozenset(data.get("languages", ["en"])),
                   skills={k: int(v) for k, v in data.get("skills", {}).items()},
                   capacity={k: int(v) for k, v in data.get("capacity", {}).items()})


@dataclass(frozen=True, slots=True)
class AgentState:
    """An agent's profile plus live state: presence, load per channel kind, last activity."""

    profile: AgentProfile
    presence: Presence = Presence.OFFLINE
    load: dict[str, int] = field(default_factory=dict)
    last_activity: float = 0.0
    refusals: int = 0          # offers declined in a row (reset by an accept)
    refused_at: float = 0.0    # when the last of them was

    def offers_paused_until(self, pause_after: Callable[[int], float]) -> float:
        """When this agent may be offered work again (``pause_after(refusals)`` seconds
        after the last refusal; 0 when never refused)."""
        return self.refused_at + pause_after(self.refusals) if self.refusals else 0.0

    @property
    def agent_id(self) -> int:
        """Shortcut to the profile's id."""
        return self.profile.agent_id

    def free(self, kind: str) -> int:
        """Free slots for this channel kind (0 unless available)."""
        if self.presence is not Presence.AVAILABLE:
            return 0
        return max(0, self.profile.capacity.get(kind, 0) - self.load.get(kind, 0))

    def utilisation(self) -> float:
        """Share of total capacity in use (0..1), for least-busy selection."""
        total = sum(self.profile.capacity.values()) or 1
        return sum(self.load.values()) / total

    def with_load(self, kind: str, delta: int) -> AgentState:
        """A copy with ``delta`` added to one kind's load (used when planning)."""
        load = dict(self.load)
        load[kind] = load.get(kind, 0) + delta
        return replace(self, load=load)


@dataclass(frozen=True, slots=True)
class Offer:
    """A reservation: ``task`` is held for ``agent_id`` until ``expires_at``."""

    task: Task
    agent_id: int
    expires_at: float


@dataclass(frozen=True, slots=True)
class QueuePosition:
    """What the customer is told: place in line (1 = next) and an estimated wait."""

    task_id: str
    position: int
    estimated_wait_seconds: float
    status: TaskStatus = TaskStatus.WAITING
