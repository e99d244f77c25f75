"""Skills-based matching: which agents may take a task, and which of them gets it.

A task requires its language and a proficiency level in its topic; the level required
drops as the wait grows (config ``matching.relax_topic_level``), so a customer first gets
a specialist and later anyone competent rather than nobody.
"""

from __future__ import annotations

from collections.abc import Iterable

from routing.config import MatchingRules
from routing.model import AgentState, Task, TaskState


def required_level(task: Task, now: float, rules: MatchingRules) -> int:
    """Topic proficiency required after the task's wait so far (0 = any agent)."""
    if task.topic is None:
        return 0
    waited = now - task.enqueued_at
    level = 0
    for after_seconds, step_level in rules.relax_topic_level:
        if waited >= after_seconds:
            level = step_level
    return level


def speaks(agent: AgentState, task: Task, now: float, rules: MatchingRules) -> bool:
    """True when the agent may serve the task's language (English fallback after a wait)."""
    if task.language in agent.profile.languages:
        return True
    return "en" in agent.profile.languages and speaks_fallback(task, now, rules)


def speaks_fallback(task: Task, now: float, rules: MatchingRules) -> bool:
    """True once the wait allows an English-speaking agent for another language."""
    relax = rules.relax_language_seconds
    return relax is not None and now - task.enqueued_at >= relax


def skill_fit(agent: AgentState, task: Task, now: float, rules: MatchingRules) -> bool:
    """True when the agent's skills meet the task's (possibly relaxed) requirements."""
    if not speaks(agent, task, now, rules):
        return False
    level = required_level(task, now, rules)
    return level == 0 or agent.profile.skills.get(task.topic or "", 0) >= level


def is_eligible(agent: AgentState, state: TaskState, now: float, rules: MatchingRules) -> bool:
    """Available, with a free slot for the channel, skilled enough, and has not declined it."""
    return (agent.free(state.task.kind) > 0
            and agent.agent_id not in state.declined_by
            and skill_fit(agent, state.task, now, rules))


def other_languages(agent: AgentState, task: Task) -> int:
    """How many languages the agent speaks beyond the task's: skills this offer would tie up."""
    return len(agent.profile.languages) - (task.language in agent.profile.languages)


def choose_agent(candidates: Iterable[AgentState], task: Task, selection: str,
                 prefer_fewer_languages: bool = False) -> AgentState | None:
    """Pick among eligible agents: ``longest_idle`` or ``least_busy`` (ties: longest idle,
    then the more skilled in the task's topic, then the lower id). With
    ``prefer_fewer_languages`` the agents who speak the fewest other languages come first,
    so scarce language skills stay free for the customers who need them."""
    topic = task.topic or ""

    def spare(agent: AgentState) -> int:
        return other_languages(agent, task) if prefer_fewer_languages else 0

    def idle_key(agent: AgentState) -> tuple[int, float, int]:
        return (spare(agent), agent.last_activity, agent.agent_id)

    def busy_key(agent: AgentState) -> tuple[int, float, float, int, int]:
        return (spare(agent), agent.utilisation(), agent.last_activity,
                -agent.profile.skills.get(topic, 0), agent.agent_id)

    pool = list(candidates)
    if not pool:
        return None
    return min(pool, key=busy_key if selection == "least_busy" else idle_key)


def seconds_until_fit(agents: Iterable[AgentState], task: Task, now: float,
                      rules: MatchingRules) -> float | None:
    """How long until one of ``agents`` meets ``task``'s requirements as they relax (0: one
    does now), or None if none ever does. What "about N minutes" must say when agents are
    free but not yet allowed to take the task (a specialist is wanted first)."""
    agents = list(agents)
    relax = [after for after, _ in rules.relax_topic_level]
    if rules.relax_language_seconds is not None:
        relax.append(rules.relax_language_seconds)
    for at in sorted({now, *(task.enqueued_at + after for after in relax)}):
        if at >= now and any(skill_fit(agent, task, at, rules) for agent in agents):
            return at - now
    return None
