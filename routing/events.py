"""Routing events, published in process to whoever listens (agent console, customer chat).

Events are built by named constructors so their shape is fixed in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)


class EventKind(StrEnum):
    """What happened to a task."""

    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    DECLINED = "declined"
    EXPIRED = "expired"
    REQUEUED = "requeued"
    TRANSFERRED = "transferred"
    FINISHED = "finished"
    CUSTOMER_GONE = "customer_gone"  # a waiting chat customer left: the ticket goes on
    CUSTOMER_BACK = "customer_back"  # ... and came back: offered live again
    SLA_WARNING = "sla_warning"    # first-response deadline within the warning window
    SLA_BREACHED = "sla_breached"  # deadline passed while still waiting: escalate


@dataclass(frozen=True, slots=True)
class RoutingEvent:
    """One change in the queue."""

    kind: EventKind
    task_id: str
    agent_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Wire form for the console WebSocket."""
        return {"type": f"task_{self.kind.value}", "task_id": self.task_id,
                "agent_id": self.agent_id, **self.data}


Listener = Callable[[RoutingEvent], Awaitable[None]]


class EventBus:
    """Fan-out of routing events to async listeners; a failing listener is logged, not fatal."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def publish(self, event: RoutingEvent) -> None:
        """Deliver ``event`` to every listener."""
        for listener in list(self._listeners):
            try:
                await listener(event)
            except Exception:  # noqa: BLE001 - one broken console must not stop routing
                log.exception("routing listener failed on %s", event.kind)
