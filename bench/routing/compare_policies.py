"""FIFO vs kefu's priority policy on the same simulated day, at equal staffing.

    .venv/bin/python bench/routing/compare_policies.py [--agents 20] [--seeds 7 2 1]

Prints per-class wait p50/p90 side by side, the service level of each, and whether the
targets hold: VIP and angry p90 <= 1/3 of FIFO's, service level no worse than 2 points.
"""

from __future__ import annotations

import argparse
import json
import time

from routing.simulation import run


def compare(agents: int, seed: int, volume: float) -> dict:
    """Both policies on one day; returns both reports and the target checks."""
    started = time.perf_counter()
    fifo = run("fifo", agents, seed, daily_volume=volume)
    kefu = run("kefu", agents, seed, daily_volume=volume)
    ratios = {c: kefu["classes"][c]["wait_p90"] / max(fifo["classes"][c]["wait_p90"], 1e-9)
              for c in kefu["classes"]}
    delta = kefu["service_level"] - fifo["service_level"]
    return {"agents": agents, "seed": seed, "volume": volume, "fifo": fifo, "kefu": kefu,
            "p90_ratio": ratios, "service_level_delta": delta,
            "targets_met": ratios["vip"] <= 1 / 3 and ratios["angry"] <= 1 / 3 and delta >= -0.02,
            "seconds": time.perf_counter() - started}


def main() -> None:
    """Run the comparison and print a table (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7])
    parser.add_argument("--volume", type=float, default=3200.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [compare(args.agents, seed, args.volume) for seed in args.seeds]
    if args.json:
        print(json.dumps(results))
        return
    for r in results:
        print(f"seed {r['seed']}, {r['agents']} agents, {r['fifo']['contacts']} contacts "
              f"({r['seconds']:.1f}s for both runs)")
        print(f"  {'class':<8} {'n':>5} {'FIFO p50':>9} {'FIFO p90':>9} {'kefu p50':>9} "
              f"{'kefu p90':>9} {'p90 ratio':>9}")
        for c, row in r["fifo"]["classes"].items():
            k = r["kefu"]["classes"][c]
            print(f"  {c:<8} {row['count']:>5} {row['wait_p50']:>9.1f} {row['wait_p90']:>9.1f} "
                  f"{k['wait_p50']:>9.1f} {k['wait_p90']:>9.1f} {r['p90_ratio'][c]:>9.2f}")
        print(f"  service level (answered in 60 s): FIFO {r['fifo']['service_level']:.1%}, "
              f"kefu {r['kefu']['service_level']:.1%} -> targets met: {r['targets_met']}")


if __name__ == "__main__":
    main()
