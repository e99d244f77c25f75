"""Routing policies: given the queue and the agents, which task goes to which agent now.

Both policies use the same skills matching and agent selection; they differ only in the
order tasks are served: ``fifo`` by arrival, ``kefu`` by the priority score. That keeps the
benchmark's comparison about ordering, at equal staffing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from routing.config import RoutingConfig
from routing.matching import choose_agent, is_eligible
from routing.model import AgentState, Presence, TaskState, TaskStatus
from routing.priority import priority_score


@dataclass(frozen=True, slots=True)
class Assignment:
    """The policy's decision: offer ``task_id`` to ``agent_id``."""

    task_id: str
    agent_id: int


def order_tasks(tasks: Sequence[TaskState], now: float, config: RoutingConfig) -> list[TaskState]:
    """Waiting tasks in the order they should be served under ``config.policy``."""
    waiting = [t for t in tasks if t.status is TaskStatus.WAITING]
    if config.policy == "fifo":
        return sorted(waiting, key=lambda t: (t.task.enqueued_at, t.task_id))
    weights = config.priority
    return sorted(waiting, key=lambda t: (-priority_score(t.task, now, weights),
                                          t.task.enqueued_at, t.task_id))


def plan(tasks: Sequence[TaskState], agents: Sequence[AgentState], now: float,
         config: RoutingConfig) -> list[Assignment]:
    """Greedy assignment: serve tasks in policy order, each to the best eligible agent.

    Agents' load is updated as the plan fills them, so the plan never exceeds capacity;
    the backend's atomic claim still guards against other workers planning concurrently.
    """
    pool = {a.agent_id: a for a in agents if a.presence is Presence.AVAILABLE}
    free_slots = {kind: sum(a.free(kind) for a in pool.values()) for kind in _kinds(pool)}
    decisions: list[Assignment] = []
    for state in order_tasks(tasks, now, config):
        kind = state.task.kind
        if free_slots.get(kind, 0) <= 0:
            if not any(free_slots.values()):
                break
            continue
        eligible = (a for a in pool.values() if is_eligible(a, state, now, config.matching))
        agent = choose_agent(eligible, state.task, config.selection)
        if agent is None:
            continue
        decisions.append(Assignment(state.task_id, agent.agent_id))
        # Planning an offer counts as activity so the next task goes to the next idle agent.
        updated = replace(agent.with_load(kind, 1), last_activity=now)
        if any(updated.free(k) for k in updated.profile.capacity):
            pool[agent.agent_id] = updated
        else:  # full: drop it so later tasks scan fewer agents
            del pool[agent.agent_id]
        free_slots[kind] -= 1
    return decisions


def _kinds(pool: dict[int, AgentState]) -> set[str]:
    kinds: set[str] = set()
    for agent in pool.values():
        kinds.update(agent.profile.capacity)
    return kinds


Planner = Callable[[Sequence[TaskState], Sequence[AgentState], float, RoutingConfig],
                   list[Assignment]]
