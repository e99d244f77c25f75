"""Routing policies: given the queue and the agents, which task goes to which agent now.

Both policies use the same skills matching and agent selection; they differ only in the
order tasks are served: ``fifo`` by arrival, ``kefu`` by the priority score. That keeps the
benchmark's comparison about ordering, at equal staffing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from routing.config import MatchingRules, RoutingConfig
from routing.matching import (
    choose_agent, is_eligible, other_languages, required_level, speaks_fallback,
)
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
    plan over 10k tasks and 500 agents stays fast. Under ``kefu``, regular work leaves the
    last ``priority_work.reserved_slots`` free slots of a channel kind to priority work.
    """
    ordered = sorted((a for a in agents if a.presence is Presence.AVAILABLE),
                     key=lambda a: (a.last_activity, a.agent_id))
    pool = {a.agent_id: a for a in ordered}
    free_slots = {kind: sum(a.free(kind) for a in pool.values()) for kind in _kinds(pool)}
    if not any(free_slots.values()):
        return []  # every agent is full: no need to score the queue
    reserve = reserved_slots(ordered, config)
    yields_after = config.priority_work.reserve_yields_after_seconds
    priority_rules = config.priority_matching()
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
        priority = config.is_priority_work(task)
        if not priority and free_slots[kind] <= reserve.get(kind, 0) and not (
                yields_after is not None and now - task.enqueued_at >= yields_after):
            continue  # the last free slots are held for priority work
        rules = priority_rules if priority else config.matching
        need = (task.language, kind, task.topic, required_level(task, now, rules),
                speaks_fallback(task, now, rules))
        if not state.declined_by and need in unservable:
            continue
        agent = _pick(pool, state, now, config, rules)
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


def reserved_slots(available: Sequence[AgentState], config: RoutingConfig) -> dict[str, int]:
    """Free slots per channel kind that regular work may not take (``kefu`` only).

    Never more than one in ten of the available agents' slots of that kind: a small team
    (under ten slots) keeps all its capacity for whoever comes.
    """
    wanted = config.priority_work.reserved_slots
    if config.policy != "kefu" or not wanted:
        return {}
    return {kind: min(count, sum(a.profile.capacity.get(kind, 0) for a in available) // 10)
            for kind, count in wanted.items()}


def _pick(pool: dict[int, AgentState], state: TaskState, now: float,
          config: RoutingConfig, rules: MatchingRules) -> AgentState | None:
    prefer_fewer = rules.prefer_fewer_languages
    if config.selection == "least_busy":
        chosen = choose_agent((a for a in pool.values() if is_eligible(a, state, now, rules)),
                              state.task, "least_busy", prefer_fewer)
    else:
        chosen = _longest_idle(pool, state, now, rules, prefer_fewer)
    if chosen is None and state.declined_by:
        # Everyone else able is busy or absent: rather than strand the customer, offer it
        # again to an agent who declined or missed it before.
        return _pick(pool, replace(state, declined_by=frozenset()), now, config, rules)
    return chosen


def _longest_idle(pool: dict[int, AgentState], state: TaskState, now: float,
                  rules: MatchingRules, prefer_fewer: bool) -> AgentState | None:
    """The first eligible agent in the pool's longest-idle order; with ``prefer_fewer``, the
    first among those speaking the fewest other languages."""
    best, best_spare = None, 0
    for agent in pool.values():
        if not is_eligible(agent, state, now, rules):
            continue
        if not prefer_fewer:
            return agent
        spare = other_languages(agent, state.task)
        if spare == 0:
            return agent
        if best is None or spare < best_spare:
            best, best_spare = agent, spare
    return best


def _kinds(pool: dict[int, AgentState]) -> set[str]:
    kinds: set[str] = set()
    for agent in pool.values():
        kinds.update(agent.profile.capacity)
    return kinds


Planner = Callable[[Sequence[TaskState], Sequence[AgentState], float, RoutingConfig],
                   list[Assignment]]
