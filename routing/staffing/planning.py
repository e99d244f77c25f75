"""From history (or per-interval arrivals) to a shift plan: forecast -> required -> shifts.

``build_plan`` is the one service the CLI and the supervisor page call.
"""

from __future__ import annotations

import dataclasses

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crm_core.errors import InvalidInput
from routing.staffing.erlang import Workload
from routing.staffing.forecast import (
    Accuracy,
    Forecast,
    backtest,
    make_forecaster,
    validate_history,
)
from routing.staffing.required import StaffingResult, StaffingTarget, evaluate, required_agents
from routing.staffing.shifts import PlanLimits, ShiftPlan, horizon_shifts, plan_shifts
from routing.staffing.simulation import SimulationResult, SimulationSpec, simulate


@dataclass(frozen=True)
class ShiftOptions:
    """How shift templates are generated and which objective the solver uses."""

    lengths_hours: tuple[float, ...] = (8.0,)
    start_every_minutes: int = 60
    cost_per_hour: float = 1.0
    max_per_shift: int | None = None
    objective: str = "cost"
    limits: PlanLimits = field(default_factory=PlanLimits)


@dataclass(frozen=True)
class StaffingPlan:
    """Forecast, per-interval requirement and the solved shift plan, kept together."""

    forecast: Forecast
    requirements: tuple[StaffingResult, ...]
    shifts: ShiftPlan
    accuracy: Accuracy | None = None

    @property
    def required(self) -> np.ndarray:
        """Scheduled agents required per interval (after shrinkage)."""
        return np.array([r.scheduled_agents for r in self.requirements], dtype=int)

    def as_dict(self) -> dict[str, object]:
        """JSON form used by ``kefu staffing plan --json`` and the supervisor page."""
        intervals = [
            {"start": ts.isoformat(), "arrivals": round(float(a), 3),
             "aht_seconds": round(float(h), 1), "agents": r.agents,
             "required": int(r.scheduled_agents), "planned": int(p)}
            for ts, a, h, r, p in zip(self.forecast.index, self.forecast.arrivals,
                                      self.forecast.aht_seconds, self.requirements,
                                      self.shifts.planned, strict=True)]
        out: dict[str, object] = {
            "status": self.shifts.status, "objective": self.shifts.objective,
            "objective_value": self.shifts.objective_value, "cost": self.shifts.cost,
            "solve_seconds": round(self.shifts.solve_seconds, 4),
            "shortfall_agent_intervals": int(self.shifts.shortfall.sum()),
            "overstaffing_agent_intervals": int(self.shifts.overstaffing.sum()),
            "starts": {k: v for k, v in self.shifts.starts.items() if v},
            "intervals": intervals,
        }
        if self.accuracy is not None:
            out["forecast_accuracy"] = vars(self.accuracy)
        return out


def requirements_for(forecast: Forecast, target: StaffingTarget) -> tuple[StaffingResult, ...]:
    """Agents required in each forecast interval."""
    seconds = forecast.interval_minutes * 60.0
    return tuple(required_agents(Workload(float(a), seconds, float(h)), target)
                 for a, h in zip(forecast.arrivals, forecast.aht_seconds, strict=True))


def forecast_history(history: pd.DataFrame, *, interval_minutes: int = 30,
                     model: str = "kefu.seasonal_mean.v1", start: object = None,
                     periods: int | None = None,
                     holdout_weeks: int = 0) -> tuple[Forecast, Accuracy | None]:
    """Fit the named forecaster on ``history`` and forecast; optionally score a hold-out."""
    history = validate_history(history)
    score = backtest(history, make_forecaster(model, interval_minutes), holdout_weeks) \
        if holdout_weeks else None
    forecaster = make_forecaster(model, interval_minutes).fit(history)
    return forecaster.predict(start, periods), score


def read_arrivals_csv(path: str | Path, *, interval_minutes: int = 30,
                      default_aht: float | None = None) -> Forecast:
    """Per-interval arrivals from a CSV: ``interval_start, arrivals[, aht_seconds]``."""
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc
    if not {"interval_start", "arrivals"} <= set(frame.columns):
        raise InvalidInput("arrivals CSV needs columns interval_start, arrivals[, aht_seconds]",
                           details={"columns": list(frame.columns)})
    if "aht_seconds" not in frame.columns:
        if default_aht is None:
            raise InvalidInput("arrivals CSV has no aht_seconds column: give --aht")
        frame["aht_seconds"] = default_aht
    try:
        start = pd.Timestamp(frame["interval_start"].iloc[0])
        arrivals = pd.to_numeric(frame["arrivals"]).to_numpy(dtype=float)
        aht = pd.to_numeric(frame["aht_seconds"]).to_numpy(dtype=float)
    except (ValueError, TypeError, IndexError) as exc:
        raise InvalidInput(f"arrivals CSV has unreadable values: {exc}") from exc
    if (arrivals < 0).any() or (aht <= 0).any() or np.isnan(arrivals).any():
        raise InvalidInput("arrivals must be >= 0 and aht_seconds > 0")
    return Forecast(start, interval_minutes, arrivals, aht)


def is_history_csv(path: str | Path) -> bool:
    """Whether a CSV is contact history (``started_at``) rather than per-interval arrivals."""
    try:
        header = pd.read_csv(path, nrows=0).columns
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc
    return "started_at" in header


def build_plan(forecast: Forecast, target: StaffingTarget, options: ShiftOptions | None = None,
               accuracy: Accuracy | None = None) -> StaffingPlan:
    """Required agents per forecast interval, then the shift plan that covers them."""
    options = options or ShiftOptions()
    requirements = requirements_for(forecast, target)
    horizon = len(forecast.arrivals)
    templates = horizon_shifts(
        forecast.start, horizon, interval_minutes=forecast.interval_minutes,
        lengths_hours=options.lengths_hours, start_every_minutes=options.start_every_minutes,
        cost_per_hour=options.cost_per_hour, max_agents=options.max_per_shift)
    # A whole week repeats, so night shifts wrap round into Monday morning; any other
    # horizon is planned as a stretch with an edge.
    weekly = horizon * forecast.interval_minutes == 7 * 24 * 60
    limits = dataclasses.replace(options.limits, cyclic=weekly)
    required = [r.scheduled_agents for r in requirements]
    plan = plan_shifts(required, templates, objective=options.objective, limits=limits)
    return StaffingPlan(forecast, requirements, plan, accuracy)


def productive_agents(plan: StaffingPlan, target: StaffingTarget) -> np.ndarray:
    """Planned agents actually on contacts per interval, after shrinkage (rounded down)."""
    return np.floor(plan.shifts.planned * (1.0 - target.shrinkage) + 1e-9).astype(int)


def formula_service_level(plan: StaffingPlan, target: StaffingTarget) -> float:
    """Arrival-weighted Erlang service level of the planned staffing (each interval alone)."""
    seconds = plan.forecast.interval_minutes * 60.0
    levels, weights = [], []
    for arrivals, aht, agents in zip(plan.forecast.arrivals, plan.forecast.aht_seconds,
                                     productive_agents(plan, target), strict=True):
        if arrivals > 0:
            metrics = evaluate(Workload(float(arrivals), seconds, float(aht)), int(agents),
                               target, with_asa=False)
            levels.append(metrics.service_level)
            weights.append(arrivals)
    return float(np.average(levels, weights=weights)) if weights else 1.0


def simulate_plan(plan: StaffingPlan, target: StaffingTarget, *, seed: int = 0,
                  repeats: int = 1) -> list[SimulationResult]:
    """Run the discrete-event simulation of the plan's productive staffing ``repeats`` times."""
    spec = SimulationSpec(
        arrivals=plan.forecast.arrivals.tolist(),
        agents=productive_agents(plan, target).tolist(),
        interval_seconds=plan.forecast.interval_minutes * 60.0,
        aht_seconds=plan.forecast.aht_seconds.tolist(),
        answer_within=target.answer_within,
        patience_seconds=target.patience_seconds)
    return [simulate(spec, seed=seed + k) for k in range(repeats)]
