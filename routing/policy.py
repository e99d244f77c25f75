"""Routing policies: given the queue and the agents, which task goes to which agent now.

Both policies use the same skills matching and agent selection; they differ only in the
order tasks are served: ``fifo`` by arrival, ``kefu`` by the priority score. That keeps the
benchmark's comparison about ordering, at equal staffing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from routing.config import RoutingConfig
from routing.matching import choose_agent, is_eligible, required_level, speaks_fallback
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
    The pool is kept in longest-idle order, so the first eligible agent is the choice and a
    plan over 10k tasks and 500 agents stays fast.
    """
    ordered = sorted((a for a in agents if a.presence is Presence.AVAILABLE),
                     key=lambda a: (a.last_activity, a.agent_id))
    pool = {a.agent_id: a for a in ordered}
    free_slots = {kind: sum(a.free(kind) for a in pool.values()) for kind in _kinds(pool)}
    if not any(free_slots.values()):
        return []  # every agent is full: no need to score the queue
    unservable: set[tuple[object, ...]] = set()  # requirement sets nobody left can meet
    decisions: list[Assignment] = []
    servable = [t for t in tasks if free_slots.get(t.task.kind, 0) > 0]
    for state in order_tasks(servable, now, config):
        task = state.task
        kind = task.kind
        if free_slots.get(kind, 0) <= 0:
            if not any(free_slots.values()):
                break
            continue
        need = (task.language, kind, task.topic, required_level(task, now, config.matching),
                speaks_fallback(task, now, config.matching))
        if not state.declined_by and need in unservable:
            continue
        agent = _pick(pool, state, now, config)
        if agent is None:
            if not state.declined_by:
                unservable.add(need)
            continue
        decisions.append(Assignment(state.task_id, agent.agent_id))
        # Planning an offer counts as activity: the agent moves to the back of the idle order.
        del pool[agent.agent_id]
        updated = replace(agent.with_load(kind, 1), last_activity=now)
        if any(updated.free(k) for k in updated.profile.capacity):
            pool[agent.agent_id] = updated
        free_slots[kind] -= 1
    return decisions


def _pick(pool: dict[int, AgentState], state: TaskState, now: float,
          config: RoutingConfig) -> AgentState | None:
    rules = config.matching
    if config.selection == "least_busy":
        chosen = choose_agent((a for a in pool.values() if is_eligible(a, state, now, rules)),
                              state.task, "least_busy")
        if chosen is None and state.declined_by:
            return _pick(pool, replace(state, declined_by=frozenset()), now, config)
        return chosen
    for agent in pool.values():  # longest idle first
        if is_eligible(agent, state, now, rules):
            return agent
    if state.declined_by:
        # Everyone else able is busy or absent: rather than strand the customer, offer it
        # again to an agent who declined or missed it before.
        return _pick(pool, replace(state, declined_by=frozenset()), now, config)
    return None


def _kinds(pool: dict[int, AgentState]) -> set[str]:
    kinds: set[str] = set()
    for agent in pool.values():
        kinds.update(agent.profile.capacity)
    return kinds


Planner = Callable[[Sequence[TaskState], Sequence[AgentState], float, RoutingConfig],
                   list[Assignment]]
