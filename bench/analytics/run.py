"""Analytics benchmark: Online Retail (RFM segments, churn ROC-AUC on a time split vs
recency alone, lifetime-value error, time to refresh everything) and a generated history
at scale (time to compute everything in memory and to write the table).

    .venv/bin/python bench/analytics/run.py --db /tmp/kefu_bench_or.sqlite3 \
        --scale 100000 --scale 1000000 --out bench/analytics/results.json

Each --scale N loads a generated history of N customers into /tmp/kefu_bench_scale_N.sqlite3
and times the real refresh (read + compute + rewrite); with --no-write it only computes in
memory. The Online Retail part imports ../shared/datasets/online_retail/online_retail.csv.gz into
--db first when the database has no customers; it is skipped, saying so, when the file is
absent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crm_core.analytics import churn, clv  # noqa: E402
from crm_core.analytics.data import load_activity  # noqa: E402
from crm_core.analytics.refresh import RefreshReport, compute, refresh  # noqa: E402
from crm_core.analytics.settings import load_config  # noqa: E402
from crm_core.analytics.synthetic import generate_activity  # noqa: E402
from crm_core.db import create_engine  # noqa: E402

DATASET = ROOT.parent / "shared" / "datasets" / "online_retail" / "online_retail.csv.gz"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def online_retail(db: Path, config) -> dict:
    from sqlalchemy import func, select

    from crm_core.importers.online_retail import import_online_retail
    from crm_core.models import Customer
    from crm_core.schema import upgrade

    url = f"sqlite+aiosqlite:///{db}"
    await upgrade(url)
    engine = create_engine(url)
    async with engine.connect() as conn:
        have = (await conn.execute(select(func.count(Customer.id)))).scalar_one()
    if not have:
        print(f"importing {DATASET} into {db} ...", flush=True)
        await import_online_retail(url, DATASET, show_progress=False)
    t, c = time.perf_counter(), _cpu()
    report = await refresh(engine, config)
    wall, cpu = time.perf_counter() - t, _cpu() - c
    async with engine.connect() as conn:
        activity = await load_activity(conn, config.rfm.excluded_statuses)
    await engine.dispose()
    out = {"customers": report.customers, "orders": len(activity.orders),
           "as_of": report.as_of, "refresh_wall_s": round(wall, 2),
           "refresh_cpu_s": round(cpu, 2), "stages_s": report.seconds, "notes": report.notes,
           "segments": report.segments.round(4).reset_index().to_dict("records"),
           "clusters": report.clusters, "k": report.cluster_k,
           "silhouettes": {k: round(v, 4) for k, v in report.silhouettes.items()}}
    out["churn"] = {name: churn.evaluate(activity, activity.end, config.churn,
                                         churn.ChurnClassifier(estimator=name)).as_dict()
                    for name in ("logistic", "hgb")}
    out["clv"] = {f"holdout_{d}d": clv.evaluate(activity.orders, activity.end, d,
                                                config.clv.penalizer).as_dict()
                  for d in (90, 180)}
    return out


async def scale(n: int, config, write: bool, tmp: Path) -> dict:
    """Generated history of ``n`` customers. Without ``write``: compute everything in
    memory. With ``write``: load customers, orders and tickets into a SQLite file
    (untimed bulk insert), then time the real ``refresh`` (read, compute, rewrite table)."""
    from crm_core.bulk import insert_rows
    from crm_core.schema import upgrade

    end = datetime(2026, 11, 1, tzinfo=UTC)
    t = time.perf_counter()
    activity = generate_activity(n, end=end, seed=1)
    out = {"customers": n, "orders": len(activity.orders), "tickets": len(activity.tickets),
           "generate_s": round(time.perf_counter() - t, 2)}
    if not write:
        report = RefreshReport()
        t, c = time.perf_counter(), _cpu()
        compute(activity, config, activity.end, report)
        out.update(compute_wall_s=round(time.perf_counter() - t, 2),
                   compute_cpu_s=round(_cpu() - c, 2), stages_s=report.seconds,
                   notes=report.notes, k=report.cluster_k)
    else:
        db = tmp / f"kefu_bench_scale_{n}.sqlite3"
        for f in tmp.glob(db.name + "*"):
            f.unlink()
        url = f"sqlite+aiosqlite:///{db}"
        await upgrade(url)
        engine = create_engine(url)
        t = time.perf_counter()
        async with engine.begin() as conn:
            await _insert_frames(conn, activity, insert_rows)
        out["insert_s"] = round(time.perf_counter() - t, 2)
        del activity
        t, c = time.perf_counter(), _cpu()
        report = await refresh(engine, config)
        out.update(refresh_wall_s=round(time.perf_counter() - t, 2),
                   refresh_cpu_s=round(_cpu() - c, 2), stages_s=report.seconds,
                   notes=report.notes, k=report.cluster_k)
        await engine.dispose()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


async def _insert_frames(conn, activity, insert_rows, chunk: int = 50_000) -> None:
    await insert_rows(conn, "customers", [{"id": int(i), "name": f"c{i}"}
                                          for i in activity.customer_ids], 20_000)
    o = activity.orders
    for start in range(0, len(o), chunk):
        part = o.iloc[start:start + chunk]
        await insert_rows(conn, "orders", [
            {"id": start + k + 1, "number": f"G{start + k + 1}", "customer_id": int(c),
             "placed_at": p.to_pydatetime(), "total": float(v), "status": "delivered"}
            for k, (c, p, v) in enumerate(zip(part["customer_id"], part["placed_at"],
                                              part["total"], strict=True))], 20_000)
    tk = activity.tickets
    await insert_rows(conn, "tickets", [
        {"id": k + 1, "number": f"GT{k + 1}", "customer_id": int(c), "subject": "s",
         "created_at": p.to_pydatetime()}
        for k, (c, p) in enumerate(zip(tk["customer_id"], tk["created_at"], strict=True))],
        20_000)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/kefu_bench_or.sqlite3"))
    parser.add_argument("--scale", type=int, action="append", default=[])
    parser.add_argument("--no-write", action="store_true",
                        help="Scale runs: compute in memory only (no database).")
    parser.add_argument("--skip-retail", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    config = load_config(ROOT / "config")
    results: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds")}
    if args.skip_retail:
        pass
    elif not DATASET.exists():
        print(f"SKIPPED Online Retail: {DATASET} not found")
        results["online_retail"] = "skipped: data set absent"
    else:
        results["online_retail"] = await online_retail(args.db, config)
        print(json.dumps(results["online_retail"], indent=1, default=str), flush=True)
    for n in args.scale:
        results[f"scale_{n}"] = await scale(n, config, not args.no_write, Path("/tmp"))
        print(json.dumps(results[f"scale_{n}"], indent=1, default=str), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
