"""FIFO vs kefu's priority policy on the same simulated day, at equal staffing.

    .venv/bin/python bench/routing/compare_policies.py [--agents 20] [--seeds 1 2 3]
        [--config config/routing.yml] [--json]

Prints per-class wait p50/p90 side by side, the service level of each, the share of each
class answered by a specialist (the topic level first asked for), and whether the targets
hold: VIP and angry p90 <= 1/3 of FIFO's, service level no worse than 2 points. Both
policies run with the same routing config (FIFO ignores its priority settings) on the same
arrivals. Every seed asked for is reported, then a one-line summary per seed.
"""

from __future__ import annotations

import argparse
import json
import time

from routing.config import RoutingConfig, load_config
from routing.simulation import run


def compare(agents: int, seed: int, volume: float, config: RoutingConfig | None = None) -> dict:
    """Both policies on one day; returns both reports and the target checks."""
    started = time.perf_counter()
    fifo = run("fifo", agents, seed, daily_volume=volume, config=config)
    kefu = run("kefu", agents, seed, daily_volume=volume, config=config)
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
    parser.add_argument("--config", default=None, help="routing config (config/routing.yml)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    config = load_config(args.config)
    results = [compare(args.agents, seed, args.volume, config) for seed in args.seeds]
    if args.json:
        print(json.dumps(results))
        return
    for r in results:
        print(f"seed {r['seed']}, {r['agents']} agents, {r['fifo']['contacts']} contacts "
              f"({r['seconds']:.1f}s for both runs)")
        print(f"  {'class':<8} {'n':>5} {'FIFO p50':>9} {'FIFO p90':>9} {'kefu p50':>9} "
              f"{'kefu p90':>9} {'p90 ratio':>9} {'specialist FIFO/kefu':>21}")
        for c, row in r["fifo"]["classes"].items():
            k = r["kefu"]["classes"][c]
            shares = (r["fifo"]["specialist_share"][c], r["kefu"]["specialist_share"][c])
            share = f"{shares[0]:.0%} / {shares[1]:.0%}"
            print(f"  {c:<8} {row['count']:>5} {row['wait_p50']:>9.1f} {row['wait_p90']:>9.1f} "
                  f"{k['wait_p50']:>9.1f} {k['wait_p90']:>9.1f} {r['p90_ratio'][c]:>9.2f} "
                  f"{share:>21}")
        print(f"  service level (answered in 60 s): FIFO {r['fifo']['service_level']:.1%}, "
              f"kefu {r['kefu']['service_level']:.1%} -> targets met: {r['targets_met']}")
    print("summary: seed, FIFO vip/angry p90, kefu/FIFO p90 vip/angry, service level "
          "FIFO -> kefu, targets")
    for r in results:
        f = r["fifo"]["classes"]
        print(f"  {r['seed']:>3}  {f['vip']['wait_p90']:6.1f} / {f['angry']['wait_p90']:6.1f}  "
              f"{r['p90_ratio']['vip']:.2f} / {r['p90_ratio']['angry']:.2f}  "
              f"{r['fifo']['service_level']:.1%} -> {r['kefu']['service_level']:.1%}  "
              f"{'met' if r['targets_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
