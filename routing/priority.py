"""The priority score: who among the waiting customers is offered first.

``score = tier + sentiment + aging + sla + channel + value`` (each term documented in
config/routing.yml; ``value`` is crm_core.analytics' 0..1 value-and-churn-risk signal). Terms are additive so a supervisor can reason about trade-offs:
with the default weights a VIP jumps ahead of 30 minutes of standard waiting, an angry
customer (-0.8) ahead of 40 minutes (less once the other's SLA is breached), and aging
guarantees that nobody waits forever.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.config import PriorityWeights
from routing.model import Task


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """Each term of the score, for the supervisor view and for tests."""

    tier: float
    sentiment: float
    aging: float
    sla: float
    channel: float
    value: float = 0.0

    @property
    def total(self) -> float:
        """The priority score (higher goes first)."""
        return self.tier + self.sentiment + self.aging + self.sla + self.channel + self.value


def sla_urgency(task: Task, now: float, warning_seconds: float) -> float:
    """0 until the warning window before the deadline, rising to 1 at it, 2 once breached."""
    if task.sla_due_at is None:
        return 0.0
    remaining = task.sla_due_at - now
    if remaining <= 0:
        return 2.0
    return max(0.0, 1.0 - remaining / warning_seconds)


def score_breakdown(task: Task, now: float, weights: PriorityWeights) -> ScoreBreakdown:
    """Every term of ``task``'s priority at time ``now``."""
    negativity = max(0.0, -(task.sentiment or 0.0))
    waited_minutes = max(0.0, now - task.enqueued_at) / 60.0
    return ScoreBreakdown(
        tier=weights.tier.get(task.tier, 0.0),
        sentiment=weights.negative_sentiment * negativity,
        aging=weights.aging_per_minute * waited_minutes,
        sla=weights.sla * sla_urgency(task, now, weights.sla_warning_seconds),
        channel=weights.channel.get(task.kind, 0.0),
        value=weights.customer_value * min(1.0, max(0.0, task.value)),
    )


def priority_score(task: Task, now: float, weights: PriorityWeights) -> float:
    """The priority score of ``task`` at ``now`` (higher is offered first)."""
    return score_breakdown(task, now, weights).total
