"""The queue backend interface: the few state changes that must be atomic.

The router (``routing/router.py``) holds all policy; a backend only stores tasks and agents
and performs each transition atomically, so two workers can never hand one task to two
agents nor push an agent past capacity. ``InMemoryStore`` (one process) and ``RedisStore``
(several workers, Lua scripts) implement it and pass the same test suite.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from routing.model import AgentProfile, AgentState, Presence, Task, TaskState


class TransferResult(StrEnum):
    """Outcome of a direct transfer to another agent."""

    OK = "ok"
    NOT_HELD = "not_held"
    UNAVAILABLE = "unavailable"


class QueueStore(Protocol):
    """Storage of the queue with atomic transitions (see module docstring)."""

    async def put_agent(self, profile: AgentProfile) -> None:
        """Create or update an agent's profile; presence and load are kept."""

    async def set_presence(self, agent_id: int, presence: Presence, now: float) -> list[str]:
        """Set presence; returns the ids of tasks the agent holds (to requeue if offline)."""

    async def agent(self, agent_id: int) -> AgentState | None:
        """One agent's live state, or None."""

    async def agents(self) -> list[AgentState]:
        """Every known agent's live state."""

    async def add_task(self, task: Task) -> bool:
        """Queue a new task; False when a task with this id is already queued."""

    async def update_task(self, task: Task) -> None:
        """Replace a task's data (e.g. its topic on transfer), keeping its status."""

    async def get(self, task_id: str) -> TaskState | None:
        """A task and its status, or None."""

    async def tasks(self) -> list[TaskState]:
        """All tasks (waiting, offered and assigned)."""

    async def lead_round(self, seconds: float) -> bool:
        """True when this worker should run the next dispatch round (others skip it)."""

    async def waiting(self) -> list[TaskState]:
        """Only the waiting tasks (what a dispatch round plans over)."""

    async def claim(self, task_id: str, agent_id: int, expires_at: float, now: float) -> bool:
        """Atomically reserve a waiting task for an available agent with a free slot."""

    async def claim_many(self, pairs: list[tuple[str, int]], expires_at: float,
                         now: float) -> list[bool]:
        """``claim`` for several (task, agent) pairs at once; each claim is atomic alone."""

    async def accept(self, task_id: str, agent_id: int) -> bool:
        """Offered to this agent -> assigned. False if the offer is gone."""

    async def release(self, task_id: str, agent_id: int, now: float, *, decline: bool = False,
                      only_if_expired: bool = False) -> bool:
        """Offered/assigned to this agent -> waiting again (remember a decline)."""

    async def note_refusal(self, agent_id: int, now: float) -> int:
        """The agent declined an offer: count it (``accept`` resets the count);
        returns the refusals in a row."""

    async def due_offers(self, now: float) -> list[tuple[str, int]]:
        """(task, agent) of offers whose reservation has expired."""

    async def finish(self, task_id: str, now: float) -> TaskState | None:
        """Remove the task from the queue, freeing its agent's slot; returns its last state."""

    async def transfer(self, task_id: str, from_agent: int, to_agent: int, expires_at: float,
                       now: float) -> TransferResult:
        """Atomically move a held task to another agent as a new offer."""

    async def close(self) -> None:
        """Release connections."""
