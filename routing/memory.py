"""In-process queue backend: plain dicts, atomic because no method awaits mid-change.

For one worker (the default when no Redis is configured) and for the simulator.
"""

from __future__ import annotations

from dataclasses import replace

from routing.model import (
    AgentProfile, AgentState, Presence, Task, TaskState, TaskStatus,
)
from routing.store import TransferResult


class InMemoryStore:
    """``QueueStore`` in one process (see ``routing/store.py``)."""

    def __init__(self) -> None:
        self._agents: dict[int, AgentState] = {}
        self._tasks: dict[str, TaskState] = {}

    async def put_agent(self, profile: AgentProfile) -> None:
        """Create or update an agent's profile; presence and load are kept."""
        current = self._agents.get(profile.agent_id)
        self._agents[profile.agent_id] = (
            replace(current, profile=profile) if current else AgentState(profile=profile))

    async def set_presence(self, agent_id: int, presence: Presence, now: float) -> list[str]:
        """Set presence; returns the ids of tasks the agent holds."""
        agent = self._agents.get(agent_id)
        if agent is None:
            return []
        became_available = presence is Presence.AVAILABLE and agent.presence is not presence
        self._agents[agent_id] = replace(
            agent, presence=presence, last_activity=now if became_available else agent.last_activity)
        return [t.task_id for t in self._tasks.values() if t.agent_id == agent_id]

    async def agent(self, agent_id: int) -> AgentState | None:
        """One agent's live state, or None."""
        return self._agents.get(agent_id)

    async def agents(self) -> list[AgentState]:
        """Every known agent's live state."""
        return list(self._agents.values())

    async def add_task(self, task: Task) -> bool:
        """Queue a new task; False when it is already there."""
        if task.task_id in self._tasks:
            return False
        self._tasks[task.task_id] = TaskState(task=task)
        return True

    async def update_task(self, task: Task) -> None:
        """Replace a task's data, keeping its status."""
        state = self._tasks.get(task.task_id)
        if state is not None:
            self._tasks[task.task_id] = replace(state, task=task)

    async def get(self, task_id: str) -> TaskState | None:
        """A task and its status, or None."""
        return self._tasks.get(task_id)

    async def tasks(self) -> list[TaskState]:
        """All tasks."""
        return list(self._tasks.values())

    async def lead_round(self, seconds: float) -> bool:
        """One process: always the leader."""
        return True

    async def waiting(self) -> list[TaskState]:
        """Tasks waiting in the queue."""
        return [t for t in self._tasks.values() if t.status is TaskStatus.WAITING]

    async def claim(self, task_id: str, agent_id: int, expires_at: float, now: float) -> bool:
        """Reserve a waiting task for an available agent with a free slot."""
        state, agent = self._tasks.get(task_id), self._agents.get(agent_id)
        if state is None or agent is None or state.status is not TaskStatus.WAITING:
            return False
        kind = state.task.kind
        if agent.free(kind) <= 0:
            return False
        self._tasks[task_id] = replace(state, status=TaskStatus.OFFERED, agent_id=agent_id,
                                       offer_expires_at=expires_at)
        self._agents[agent_id] = replace(agent.with_load(kind, 1), last_activity=now)
        return True

    async def claim_many(self, pairs: list[tuple[str, int]], expires_at: float,
                         now: float) -> list[bool]:
        """Several claims; each atomic on its own."""
        return [await self.claim(t, a, expires_at, now) for t, a in pairs]

    async def accept(self, task_id: str, agent_id: int) -> bool:
        """Offered to this agent -> assigned."""
        state = self._tasks.get(task_id)
        if state is None or state.status is not TaskStatus.OFFERED or state.agent_id != agent_id:
            return False
        self._tasks[task_id] = replace(state, status=TaskStatus.ASSIGNED, offer_expires_at=None)
        agent = self._agents.get(agent_id)
        if agent is not None and agent.refusals:
            self._agents[agent_id] = replace(agent, refusals=0)
        return True

    async def note_refusal(self, agent_id: int, now: float) -> int:
        """Count one more refusal in a row."""
        agent = self._agents.get(agent_id)
        if agent is None:
            return 0
        self._agents[agent_id] = replace(agent, refusals=agent.refusals + 1, refused_at=now)
        return agent.refusals + 1

    async def release(self, task_id: str, agent_id: int, now: float, *, decline: bool = False,
                      only_if_expired: bool = False) -> bool:
        """Offered/assigned to this agent -> waiting again."""
        state = self._tasks.get(task_id)
        if state is None or state.agent_id != agent_id or state.status is TaskStatus.WAITING:
            return False
        if only_if_expired and (state.status is not TaskStatus.OFFERED
                                or (state.offer_expires_at or 0) > now):
            return False
        declined = state.declined_by | {agent_id} if decline else state.declined_by
        self._tasks[task_id] = TaskState(task=state.task, declined_by=declined)
        self._unload(agent_id, state.task.kind, now)
        return True

    async def due_offers(self, now: float) -> list[tuple[str, int]]:
        """Offers whose reservation has expired."""
        return [(t.task_id, t.agent_id) for t in self._tasks.values()
                if t.status is TaskStatus.OFFERED and t.agent_id is not None
                and (t.offer_expires_at or 0) <= now]

    async def finish(self, task_id: str, now: float) -> TaskState | None:
        """Remove the task, freeing its agent's slot."""
        state = self._tasks.pop(task_id, None)
        if state is not None and state.agent_id is not None:
            self._unload(state.agent_id, state.task.kind, now)
        return state

    async def transfer(self, task_id: str, from_agent: int, to_agent: int, expires_at: float,
                       now: float) -> TransferResult:
        """Move a held task to another agent as a new offer."""
        state, target = self._tasks.get(task_id), self._agents.get(to_agent)
        if state is None or state.agent_id != from_agent or state.status is TaskStatus.WAITING:
            return TransferResult.NOT_HELD
        kind = state.task.kind
        if target is None or target.free(kind) <= 0:
            return TransferResult.UNAVAILABLE
        self._unload(from_agent, kind, now)
        self._tasks[task_id] = replace(state, status=TaskStatus.OFFERED, agent_id=to_agent,
                                       offer_expires_at=expires_at)
        self._agents[to_agent] = replace(self._agents[to_agent].with_load(kind, 1),
                                         last_activity=now)
        return TransferResult.OK

    async def close(self) -> None:
        """Nothing to release."""

    def _unload(self, agent_id: int, kind: str, now: float) -> None:
        agent = self._agents.get(agent_id)
        if agent is not None:
            self._agents[agent_id] = replace(agent.with_load(kind, -1), last_activity=now)
