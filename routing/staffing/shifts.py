"""Shift plans: how many agents start each shift, as an integer program solved by CBC.

Decision variables are integer agent counts per shift. Two objectives:

* ``cost``: minimise the total shift cost subject to covering the required agents in
  every interval (a covering problem);
* ``deviation``: minimise weighted shortfall plus overstaffing, summed over intervals, with
  coverage as a soft goal (useful when the budget or the seats cannot cover the peak).

Limits: ``min_agents``/``max_agents`` per shift and ``max_on_duty`` per interval (seats).

Why PuLP/CBC: it is a plain MILP modeller with the CBC solver bundled in the wheel, no
native build and no pinned protobuf. OR-Tools CP-SAT would also solve these covering
problems well, but its protobuf pin conflicts with rasa-sdk's, so it cannot live in the
same environment as the action server.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from crm_core.errors import InvalidInput, RuleViolation

OBJECTIVES = ("cost", "deviation")


@dataclass(frozen=True)
class Shift:
    """A shift template: starts at interval ``start`` and lasts ``length`` intervals."""

    name: str
    start: int
    length: int
    cost: float = 1.0
    min_agents: int = 0
    max_agents: int | None = None

    def covers(self, horizon: int, cyclic: bool) -> list[int]:
        """Interval indices this shift covers (wrapping round the horizon when cyclic)."""
        slots = range(self.start, self.start + self.length)
        return [t % horizon for t in slots] if cyclic else [t for t in slots if t < horizon]


@dataclass(frozen=True)
class ShiftPlan:
    """A solved plan: agents starting per shift and the resulting coverage."""

    status: str
    objective: str
    objective_value: float
    cost: float
    starts: dict[str, int]
    required: np.ndarray
    planned: np.ndarray
    solve_seconds: float
    shifts: tuple[Shift, ...] = field(repr=False, default=())

    @property
    def shortfall(self) -> np.ndarray:
        """Agents missing per interval."""
        return np.maximum(self.required - self.planned, 0)

    @property
    def overstaffing(self) -> np.ndarray:
        """Agents beyond the requirement per interval."""
        return np.maximum(self.planned - self.required, 0)


class InfeasiblePlan(RuleViolation):
    """No allocation satisfies the limits; ``details`` says which intervals cannot be met."""

    code = "shift_plan_infeasible"

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(f"no shift plan satisfies the limits: {reason}", details=dict(details))


@dataclass(frozen=True)
class PlanLimits:
    """Solver-independent limits: seats per interval, deviation weights, time limit."""

    max_on_duty: int | Sequence[int] | None = None
    under_weight: float = 1.0
    over_weight: float = 1.0
    cyclic: bool = True
    time_limit_seconds: float = 30.0


def _seats(limits: PlanLimits, horizon: int) -> np.ndarray:
    if limits.max_on_duty is None:
        return np.full(horizon, np.inf)
    seats = np.broadcast_to(np.asarray(limits.max_on_duty, dtype=float), (horizon,))
    return seats.copy()


def _validate(required: np.ndarray, shifts: Sequence[Shift], objective: str) -> None:
    if objective not in OBJECTIVES:
        raise InvalidInput(f"objective must be one of {OBJECTIVES}", details={
            "field": "objective", "value": objective})
    if required.ndim != 1 or not required.size or (required < 0).any():
        raise InvalidInput("required must be a non-empty list of agent counts >= 0")
    if not shifts:
        raise InvalidInput("at least one shift template is needed")
    names = [s.name for s in shifts]
    if len(set(names)) != len(names):
        raise InvalidInput("shift names must be unique")
    for s in shifts:
        if s.length <= 0 or not 0 <= s.start < required.size or s.cost < 0 or s.min_agents < 0 \
                or (s.max_agents is not None and s.max_agents < s.min_agents):
            raise InvalidInput(f"shift {s.name!r} is malformed", details={"shift": s.name})


def explain_infeasibility(required: np.ndarray, shifts: Sequence[Shift],
                          limits: PlanLimits) -> dict[str, object]:
    """Intervals whose requirement exceeds what the shift limits and seats can ever supply."""
    horizon = required.size
    reach = np.zeros(horizon)
    floor = np.zeros(horizon)
    for s in shifts:
        idx = s.covers(horizon, limits.cyclic)
        reach[idx] += np.inf if s.max_agents is None else s.max_agents
        floor[idx] += s.min_agents
    seats = _seats(limits, horizon)
    supply = np.minimum(reach, seats)
    short = np.flatnonzero(required > supply).tolist()
    crowded = np.flatnonzero(floor > seats).tolist()
    return {"uncoverable_intervals": short, "over_seat_limit_intervals": crowded,
            "max_supply": [None if not np.isfinite(v) else int(v) for v in supply[short]]}


def plan_shifts(required: Sequence[int], shifts: Sequence[Shift], *,
                objective: str = "cost", limits: PlanLimits | None = None) -> ShiftPlan:
    """Solve the shift plan; raises ``InfeasiblePlan`` when the limits cannot be met."""
    import pulp

    limits = limits or PlanLimits()
    need = np.asarray(required, dtype=float)
    _validate(need, shifts, objective)
    horizon = need.size
    seats = _seats(limits, horizon)

    problem = pulp.LpProblem("shift_plan", pulp.LpMinimize)
    x = {s.name: problem.add_variable(f"x{i}", lowBound=s.min_agents, upBound=s.max_agents,
                                      cat="Integer") for i, s in enumerate(shifts)}
    covering: list[list[pulp.LpVariable]] = [[] for _ in range(horizon)]
    for s in shifts:
        for t in s.covers(horizon, limits.cyclic):
            covering[t].append(x[s.name])
    total_cost = pulp.lpSum(s.cost * x[s.name] for s in shifts)
    if objective == "cost":
        problem += total_cost
        for t in range(horizon):
            if need[t] > 0:
                problem += pulp.lpSum(covering[t]) >= need[t], f"cover_{t}"
    else:
        under = [problem.add_variable(f"u{t}", lowBound=0) for t in range(horizon)]
        over = [problem.add_variable(f"o{t}", lowBound=0) for t in range(horizon)]
        problem += pulp.lpSum(limits.under_weight * u + limits.over_weight * o
                              for u, o in zip(under, over, strict=True))
        for t in range(horizon):
            problem += pulp.lpSum(covering[t]) - need[t] == over[t] - under[t], f"dev_{t}"
    for t in range(horizon):
        if np.isfinite(seats[t]):
            problem += pulp.lpSum(covering[t]) <= seats[t], f"seats_{t}"

    began = time.perf_counter()
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates PULP_CBC_CMD in favour of a separately installed CBC; the
        # bundled binary is what we ship, so the notice is noise here.
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limits.time_limit_seconds)
        status = problem.solve(solver)
    elapsed = time.perf_counter() - began
    status_name = pulp.LpStatus[status]
    if status_name == "Infeasible":
        details = explain_infeasibility(need, shifts, limits)
        raise InfeasiblePlan(_reason(details), status=status_name, **details)
    if status_name != "Optimal" or any(v.value() is None for v in x.values()):
        raise InfeasiblePlan(f"solver ended with status {status_name!r}", status=status_name)

    starts = {name: int(round(v.value())) for name, v in x.items()}
    planned = np.zeros(horizon, dtype=int)
    for s in shifts:
        planned[s.covers(horizon, limits.cyclic)] += starts[s.name]
    return ShiftPlan(status_name, objective, float(pulp.value(problem.objective) or 0.0),
                     float(sum(s.cost * starts[s.name] for s in shifts)), starts,
                     need.astype(int), planned, elapsed, tuple(shifts))


def _reason(details: dict[str, object]) -> str:
    short, crowded = details["uncoverable_intervals"], details["over_seat_limit_intervals"]
    if short:
        return f"intervals {short[:10]} need more agents than the shifts/seats can supply"
    if crowded:
        return f"minimum shift sizes exceed the seats in intervals {crowded[:10]}"
    return "the per-shift and per-interval limits conflict"


def horizon_shifts(start: object, horizon: int, *, interval_minutes: int = 30,
                   lengths_hours: Sequence[float] = (8.0,), start_every_minutes: int = 60,
                   cost_per_hour: float = 1.0, max_agents: int | None = None) -> list[Shift]:
    """Shift templates starting every ``start_every_minutes`` of the clock in the horizon.

    ``start`` is the wall-clock time of interval 0 (shifts are named by their real start,
    e.g. ``Mon 03-02 08:00 8h``). A shift's cost is its paid hours times
    ``cost_per_hour``; with the default 1.0 the cost objective minimises agent-hours.
    """
    import pandas as pd

    if start_every_minutes <= 0 or start_every_minutes % interval_minutes:
        raise InvalidInput("start_every_minutes must be a multiple of interval_minutes",
                           details={"value": start_every_minutes})
    stamps = pd.date_range(pd.Timestamp(start), periods=horizon, freq=f"{interval_minutes}min")
    shifts = []
    for hours in lengths_hours:
        length = round(hours * 60 / interval_minutes)
        if length <= 0:
            raise InvalidInput("shift lengths must be > 0 hours", details={"value": hours})
        for t, ts in enumerate(stamps):
            if (ts.hour * 60 + ts.minute) % start_every_minutes == 0:
                shifts.append(Shift(f"{ts:%a %m-%d %H:%M} {hours:g}h", t, length,
                                    cost=hours * cost_per_hour, max_agents=max_agents))
    return shifts
