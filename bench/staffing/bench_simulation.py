"""Simulated vs formula service level, P(abandon) and ASA over several seeds.

Usage: .venv/bin/python bench/staffing/bench_simulation.py [--seeds 8] [--intervals 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from routing.staffing.erlang import Workload, erlang_a_metrics, erlang_c_metrics
from routing.staffing.simulation import simulate_stationary

CASES = [  # (arrivals per 30 min, AHT s, agents, answer within s, patience s or None)
    (100, 180, 14, 20, None),
    (100, 180, 13, 20, 300),
    (500, 240, 73, 20, None),
    (500, 240, 70, 20, 120),
]


def main() -> None:
    """Stationary cases: one interval repeated, formula vs simulation."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--intervals", type=int, default=1000)
    args = parser.parse_args()
    print("| arrivals/30min | AHT s | agents | patience s | SL formula | SL sim mean ± sd "
          "| P(ab) formula | P(ab) sim | ASA formula | ASA sim | contacts/run | s/run |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for arrivals, aht, agents, within, patience in CASES:
        work = Workload(arrivals, 1800, aht)
        formula = (erlang_c_metrics(work, agents, within) if patience is None
                   else erlang_a_metrics(work, agents, within, patience))
        runs, began = [], time.perf_counter()
        for seed in range(args.seeds):
            runs.append(simulate_stationary(arrivals, 1800, aht, agents, within,
                                            intervals=args.intervals,
                                            patience_seconds=patience, seed=seed))
        per_run = (time.perf_counter() - began) / args.seeds
        sl = [r.service_level for r in runs]
        ab = statistics.mean(r.p_abandon for r in runs)
        asa = statistics.mean(r.asa_seconds for r in runs)
        print(f"| {arrivals} | {aht} | {agents} | {patience or '-'} | {formula.service_level:.4f} "
              f"| {statistics.mean(sl):.4f} ± {statistics.stdev(sl):.4f} "
              f"| {formula.p_abandon if formula.p_abandon is not None else 0:.4f} | {ab:.4f} "
              f"| {formula.asa_seconds:.2f} | {asa:.2f} "
              f"| {statistics.mean(r.arrivals for r in runs):.0f} | {per_run:.2f} |")


def plan_check(seeds: int) -> None:
    """A week's shift plan (time-varying staffing) simulated against the formula."""
    from routing.staffing.planning import (
        build_plan,
        forecast_history,
        formula_service_level,
        simulate_plan,
    )
    from routing.staffing.required import StaffingTarget
    from routing.staffing.synthetic import synthetic_history

    forecast, _ = forecast_history(synthetic_history(4, seed=8, peak=90))
    print("\n| target | formula SL of plan | simulated SL mean ± sd | P(ab) sim | contacts/run |")
    print("|---|---|---|---|---|")
    for target in (StaffingTarget(20, 0.8, shrinkage=0.2),
                   StaffingTarget(20, 0.8, patience_seconds=240, shrinkage=0.2)):
        plan = build_plan(forecast, target)
        runs = simulate_plan(plan, target, seed=100, repeats=seeds)
        sl = [r.service_level for r in runs]
        label = "80/20" + (f", patience {target.patience_seconds:g} s"
                           if target.patience_seconds else "")
        print(f"| {label} | {formula_service_level(plan, target):.4f} "
              f"| {statistics.mean(sl):.4f} ± {statistics.stdev(sl):.4f} "
              f"| {statistics.mean(r.p_abandon for r in runs):.4f} "
              f"| {statistics.mean(r.arrivals for r in runs):.0f} |")


if __name__ == "__main__":
    main()
    plan_check(10)
