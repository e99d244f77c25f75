"""How many agents an interval needs: the smallest count that meets every target.

Service level, P(abandon) and occupancy are all monotone in the number of agents, so the
feasible counts are ``{n >= n*}`` and ``n*`` is found by doubling then bisection: a handful
of formula evaluations even for thousands of agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from crm_core.errors import InvalidInput
from routing.staffing.erlang import (
    MAX_AGENTS,
    QueueMetrics,
    StaffingTargetUnreachable,
    Workload,
    erlang_a_metrics,
    erlang_c_metrics,
)


@dataclass(frozen=True)
class StaffingTarget:
    """What "enough agents" means for one interval.

    ``answer_within`` seconds and ``service_level`` fraction (e.g. 20 s, 0.8); optional
    ``patience_seconds`` switches to Erlang A; ``max_abandon`` caps P(abandon) (Erlang A);
    ``max_occupancy`` caps agent utilisation; ``shrinkage`` is the share of paid time not
    spent on contacts (breaks, training) used to turn agents into scheduled agents.
    """

    answer_within: float
    service_level: float
    patience_seconds: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None
    shrinkage: float = 0.0

    def __post_init__(self) -> None:
        _in_range("answer_within", self.answer_within, 0.0, math.inf, low_open=False)
        _in_range("service_level", self.service_level, 0.0, 1.0, high_open=True)
        if self.patience_seconds is not None:
            _in_range("patience_seconds", self.patience_seconds, 0.0, math.inf)
        if self.max_abandon is not None:
            if self.patience_seconds is None:
                raise InvalidInput("max_abandon needs patience_seconds (Erlang A)",
                                   details={"field": "max_abandon"})
            _in_range("max_abandon", self.max_abandon, 0.0, 1.0, high_open=False)
        if self.max_occupancy is not None:
            _in_range("max_occupancy", self.max_occupancy, 0.0, 1.0, high_open=False)
        _in_range("shrinkage", self.shrinkage, 0.0, 1.0, low_open=False, high_open=True)


def _in_range(name: str, value: float, low: float, high: float, *,
              low_open: bool = True, high_open: bool = True) -> None:
    ok = isinstance(value, (int, float)) and not math.isnan(value)
    ok = ok and (value > low if low_open else value >= low)
    ok = ok and (value < high if high_open else value <= high)
    if not ok:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise InvalidInput(f"{name} must be in {interval}, got {value}",
                           details={"field": name, "value": value})


@dataclass(frozen=True)
class StaffingResult:
    """Agents needed on the phones (``agents``) and on the schedule (``scheduled_agents``)."""

    agents: int
    scheduled_agents: int
    metrics: QueueMetrics

    def as_dict(self) -> dict[str, float | int]:
        """The JSON shape of ``kefu staffing required --json``."""
        out: dict[str, float | int] = {
            "agents": self.agents,
            "scheduled_agents": self.scheduled_agents,
            "service_level": self.metrics.service_level,
            "p_wait": self.metrics.p_wait,
            "asa_seconds": self.metrics.asa_seconds,
            "occupancy": self.metrics.occupancy,
        }
        if self.metrics.p_abandon is not None:
            out["p_abandon"] = self.metrics.p_abandon
        return out


def evaluate(work: Workload, agents: int, target: StaffingTarget, *,
             with_asa: bool = True) -> QueueMetrics:
    """Metrics for a given number of agents under the target's model (Erlang C or A)."""
    if target.patience_seconds is None:
        return erlang_c_metrics(work, agents, target.answer_within)
    return erlang_a_metrics(work, agents, target.answer_within, target.patience_seconds,
                            with_asa=with_asa)


def meets(metrics: QueueMetrics, target: StaffingTarget) -> bool:
    """Whether the metrics satisfy every part of the target."""
    # A tiny tolerance so that an exact hit (e.g. occupancy 0.85 == cap) counts as met.
    eps = 1e-12
    if metrics.service_level + eps < target.service_level:
        return False
    if target.max_occupancy is not None and metrics.occupancy > target.max_occupancy + eps:
        return False
    if target.max_abandon is not None and (metrics.p_abandon or 0.0) > target.max_abandon + eps:
        return False
    return True


def scheduled(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that ``agents`` remain after ``shrinkage``."""
    # Round away float noise first: 14 / 0.7 is 20.000000000000004, which must be 20.
    return math.ceil(round(agents / (1.0 - shrinkage), 9))


def required_agents(work: Workload, target: StaffingTarget) -> StaffingResult:
    """Smallest number of agents meeting ``target`` for ``work`` (0 when there is no work)."""
    if work.arrivals == 0:
        return StaffingResult(0, 0, QueueMetrics(0, 1.0, 0.0, 0.0, 0.0,
                                                 None if target.patience_seconds is None else 0.0))

    def ok(n: int) -> bool:
        return meets(evaluate(work, n, target, with_asa=False), target)

    low = max(0, math.floor(work.traffic)) if target.patience_seconds is None else 0
    high = max(1, low + 1)
    # Check the ceiling before evaluating: Erlang B costs O(agents) per call.
    while high > MAX_AGENTS or not ok(high):
        if high >= MAX_AGENTS:
            raise StaffingTargetUnreachable(
                f"more than {MAX_AGENTS} agents would be needed",
                traffic=work.traffic, service_level=target.service_level)
        low, high = high, min(high * 2, MAX_AGENTS)
    while high - low > 1:  # invariant: not ok(low) (or low is a lower bound), ok(high)
        mid = (low + high) // 2
        if ok(mid):
            high = mid
        else:
            low = mid
    return StaffingResult(high, scheduled(high, target.shrinkage), evaluate(work, high, target))
