"""Held-out accuracy of the seasonal forecasters on synthetic history with known rates.

The "oracle" row forecasts the true Poisson rate: its error is the noise floor no
forecaster can beat. Usage: .venv/bin/python bench/staffing/bench_forecast.py
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from routing.staffing.forecast import (
    FORECASTERS,
    accuracy,
    backtest,
    interval_counts,
    make_forecaster,
    validate_history,
)
from routing.staffing.synthetic import synthetic_history, true_rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=10, help="history weeks (incl. hold-out)")
    parser.add_argument("--holdout", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print("| history | model | MAE | MAPE | WAPE |")
    print("|---|---|---|---|---|")
    for trend in (0.0, 0.03):
        rows: dict[str, list] = {name: [] for name in [*FORECASTERS, "oracle (true rate)"]}
        for seed in range(args.seeds):
            history = synthetic_history(args.weeks, seed=seed, trend=trend)
            for name in FORECASTERS:
                rows[name].append(backtest(history, make_forecaster(name), args.holdout))
            counts = interval_counts(validate_history(history), 30).to_numpy()
            weeks = range(args.weeks - args.holdout, args.weeks)
            truth = np.concatenate([true_rates() * (1 + trend) ** w for w in weeks])
            rows["oracle (true rate)"].append(accuracy(counts[-truth.size:], truth))
        label = f"{args.weeks - args.holdout} + {args.holdout} weeks, trend {trend:+.0%}/week"
        for name, scores in rows.items():
            mean = {k: statistics.mean(getattr(s, k) for s in scores)
                    for k in ("mae", "mape", "wape")}
            print(f"| {label} | {name} | {mean['mae']:.2f} | {mean['mape']:.1%} "
                  f"| {mean['wape']:.1%} |")


if __name__ == "__main__":
    main()
