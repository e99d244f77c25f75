"""Recommender benchmark on the UCI Online Retail data set: accuracy and serving latency.

    .venv/bin/python bench/recommend/bench_recommend.py [--data PATH] [--json OUT]
        [--skip-accuracy] [--repeat N]

Accuracy: every registered model side by side in one run, on leave-last-new-product-out
and on the strict next-basket protocol (HR@10, NDCG@10, training seconds). Latency: the
default model (and the others) served through ``RecommendationService`` with an in-memory
purchase source, per request, for every customer, for baskets (the products of real
orders) and for similar-to-product on every product, each pass reported with the load
average (the machine is shared; ``--repeat`` runs several passes). Skips, saying why, when
the data set is absent.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "online_retail" / "online_retail.csv.gz"


def accuracy(log, names: list[str]) -> dict:
    from recommend.evaluation import evaluate, leave_last_new_out, next_basket
    from recommend.models import create

    out = {}
    for protocol, make_split in (("last-new", leave_last_new_out), ("next-basket", next_basket)):
        split = make_split(log)
        for name in names:
            r = evaluate(lambda n=name: create(n), split)
            out.setdefault(name, {})[protocol] = {
                "hr@10": round(r.hr, 4), "ndcg@10": round(r.ndcg, 4),
                "train_seconds": round(r.train_seconds, 2),
                "train_cpu_seconds": round(r.train_cpu_seconds, 2), "customers": r.n_customers}
            print(f"{protocol:<12}{name:<22}HR@10 {r.hr:.4f}  NDCG@10 {r.ndcg:.4f}  "
                  f"train {r.train_seconds:.2f} s (cpu {r.train_cpu_seconds:.2f} s)  "
                  f"customers {r.n_customers}", flush=True)
    return out


def percentiles(wall: list[float], cpu: list[float]) -> dict:
    """Wall-clock figures (what a caller waits, including time the OS gave to other
    processes) and CPU-time figures (what the code itself costs)."""
    w, c = np.array(wall) * 1e3, np.array(cpu) * 1e3
    return {"n": len(w), "p50_ms": round(float(np.percentile(w, 50)), 3),
            "p99_ms": round(float(np.percentile(w, 99)), 3),
            "cpu_p50_ms": round(float(np.percentile(c, 50)), 3),
            "cpu_p99_ms": round(float(np.percentile(c, 99)), 3)}


async def latency(log, name: str, k: int = 10, repeat: int = 1) -> dict:
    from recommend.service import RecommendationService
    from recommend.sources import MemoryPurchaseSource
    from recommend.training import train

    artifact = train(log, name)
    service = RecommendationService(MemoryPurchaseSource(log), artifact)
    frame = log.frame
    customers = list(dict.fromkeys(frame["customer"]))
    baskets = [list(g) for _, g in frame.groupby("order")["product"]][:3000]
    products = list(dict.fromkeys(frame["product"]))
    calls = {
        "for_customer": (service.for_customer, customers),
        "for_basket": (service.for_basket, baskets),
        "similar_to": (service.similar_to, products),
    }
    await service.for_customer(customers[0], k)          # warm: catalogue masks
    out = {}
    # One BLAS thread per request, as a server worker should run: threads for a
    # 200 x 3659 product cost more than they save, and thread_time() then sees all work.
    limits = threadpool_limits(1)
    gc.disable()   # measure the code, not a collector pause landing in one request
    try:
        for kind, (call, args) in calls.items():
            runs = []
            for _ in range(repeat):
                wall, cpu = [], []
                for arg in args:
                    started, cpu_started = time.perf_counter(), time.thread_time()
                    await call(arg, k)
                    cpu.append(time.thread_time() - cpu_started)
                    wall.append(time.perf_counter() - started)
                # The 1-minute load average after the pass: how busy the shared machine was.
                runs.append(percentiles(wall, cpu) | {"load1": round(os.getloadavg()[0], 2)})
                print(f"latency {name:<22}{kind:<13}{runs[-1]}", flush=True)
            out[kind] = runs[0] if repeat == 1 else {"runs": runs}
    finally:
        gc.enable()
        limits.unregister()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--repeat", type=int, default=1,
                        help="latency passes per request kind (each reported with the load)")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"SKIP: Online Retail data set not found at {args.data} "
              "(expected ../shared/datasets/online_retail/online_retail.csv.gz)")
        return 0
    from recommend.data import read_online_retail
    from recommend.models import registered_names

    log = read_online_retail(args.data)
    frame = log.frame
    print(f"data: {len(log)} lines, {frame['customer'].nunique()} customers, "
          f"{frame['product'].nunique()} products, {frame['order'].nunique()} orders")
    names = registered_names()
    results = {"accuracy": {} if args.skip_accuracy else accuracy(log, names), "latency": {}}
    for name in names:
        results["latency"][name] = asyncio.run(latency(log, name, repeat=args.repeat))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
