"""Renderings of a staffing plan: a text table and a PNG chart (matplotlib, Agg backend)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from routing.staffing.planning import StaffingPlan


def plan_table(plan: StaffingPlan, *, skip_idle: bool = True) -> str:
    """Intervals (and shifts started) as aligned text; idle intervals hidden by default."""
    lines = [f"{'interval':<17} {'arrivals':>8} {'aht s':>6} {'agents':>6} "
             f"{'required':>8} {'planned':>7} {'gap':>4}"]
    for ts, arrivals, aht, result, planned in zip(
            plan.forecast.index, plan.forecast.arrivals, plan.forecast.aht_seconds,
            plan.requirements, plan.shifts.planned, strict=True):
        if skip_idle and not result.scheduled_agents and not planned:
            continue
        gap = int(planned) - int(result.scheduled_agents)
        lines.append(f"{ts:%a %Y-%m-%d %H:%M} {arrivals:>8.1f} {aht:>6.0f} {result.agents:>6d} "
                     f"{result.scheduled_agents:>8d} {int(planned):>7d} {gap:>+4d}")
    lines.append("")
    lines.append(f"{'shift':<22} {'agents':>6}")
    lines.extend(f"{name:<22} {n:>6d}" for name, n in plan.shifts.starts.items() if n)
    lines.append("")
    lines.append(f"status {plan.shifts.status}, objective {plan.shifts.objective} = "
                 f"{plan.shifts.objective_value:g}, cost {plan.shifts.cost:g}, "
                 f"shortfall {int(plan.shifts.shortfall.sum())}, "
                 f"overstaffing {int(plan.shifts.overstaffing.sum())} agent-intervals")
    return "\n".join(lines)


def plan_chart_png(plan: StaffingPlan, *, title: str = "Required vs planned agents") -> bytes:
    """A step chart of required and planned agents per interval, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; must precede pyplot
    from matplotlib.figure import Figure

    index = plan.forecast.index
    fig = Figure(figsize=(12, 4), dpi=100)
    ax = fig.add_subplot()
    ax.step(index, plan.required, where="post", label="required (scheduled)", color="#c0392b")
    ax.step(index, plan.shifts.planned, where="post", label="planned", color="#2471a3")
    ax.fill_between(index, plan.required, plan.shifts.planned, step="post",
                    where=plan.shifts.planned < plan.required, color="#c0392b", alpha=0.25,
                    label="shortfall")
    ax.set_ylabel("agents")
    ax.set_title(title)
    ax.legend(loc="upper right")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


@dataclass(frozen=True)
class SupervisorView:
    """What the supervisor page shows: the plan (as data and text) and its chart."""

    plan: StaffingPlan
    table: str
    png: bytes

    def as_dict(self) -> dict[str, object]:
        """The plan's JSON form (the PNG is served separately as ``image/png``)."""
        return self.plan.as_dict()


def supervisor_view(plan: StaffingPlan) -> SupervisorView:
    """Bundle a plan with its table and PNG chart for the agent console."""
    return SupervisorView(plan, plan_table(plan), plan_chart_png(plan))
