"""CBC solve time for a week of 336 half-hour intervals (synthetic demand, Erlang C 80/20).

Usage: .venv/bin/python bench/staffing/bench_solver.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from routing.staffing.erlang import Workload
from routing.staffing.required import StaffingTarget, required_agents
from routing.staffing.shifts import PlanLimits, horizon_shifts, plan_shifts
from routing.staffing.synthetic import true_aht, true_rates

SCENARIOS = [  # (label, lengths h, start every min, objective, seats)
    ("8 h shifts, hourly starts, min cost", (8.0,), 60, "cost", None),
    ("8 h shifts, half-hourly starts, min cost", (8.0,), 30, "cost", None),
    ("4 h + 8 h shifts, half-hourly starts, min cost", (4.0, 8.0), 30, "cost", None),
    ("4 h + 8 h, half-hourly, min shortfall + overstaffing, 30 seats",
     (4.0, 8.0), 30, "deviation", 30),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peak", type=float, default=120.0, help="arrivals per 30 min at peak")
    args = parser.parse_args()
    target = StaffingTarget(20, 0.8, shrinkage=0.3)
    began = time.perf_counter()
    required = [required_agents(Workload(a, 1800, h), target).scheduled_agents
                for a, h in zip(true_rates(peak=args.peak), true_aht(), strict=True)]
    erlang_seconds = time.perf_counter() - began
    print(f"336 intervals, peak {max(required)} scheduled agents, "
          f"Erlang C for the week: {erlang_seconds:.3f} s")
    print("| scenario | shifts | status | objective | agent-hours | solve s (median) |")
    print("|---|---|---|---|---|---|")
    for label, lengths, every, objective, seats in SCENARIOS:
        shifts = horizon_shifts("2026-03-02", 336, lengths_hours=lengths,
                                start_every_minutes=every)
        limits = PlanLimits(max_on_duty=seats, cyclic=True, time_limit_seconds=120)
        times, plan = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            plan = plan_shifts(required, shifts, objective=objective, limits=limits)
            times.append(time.perf_counter() - t0)
        print(f"| {label} | {len(shifts)} | {plan.status} | {plan.objective_value:g} "
              f"| {plan.cost:g} | {statistics.median(times):.3f} |")


if __name__ == "__main__":
    main()
