"""CRM list pages deep in a big table: ``offset`` pages against ``cursor`` (keyset) pages.

    python bench/crm/pagination.py --customers 20000 --orders 300000 --db sqlite
    python bench/crm/pagination.py --customers 20000 --orders 300000 --db postgres \
        --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench_pages

Loads a fresh, migrated database the way ``bench/crm/run.py`` does, then times
``crm_core.services.orders.list_orders`` (what ``GET /api/v1/orders`` calls: 50 orders,
newest first, plus the total count) at several depths, once by ``offset`` and once by the
``cursor`` that names the row just before that depth. Also times the count alone, which
both kinds of page pay. Median of ``--repeat`` runs per point, after one warm-up. Prints
one JSON line; figures in milliseconds, CPU time of this process beside the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as crm_run  # noqa: E402 - bench/crm/run.py: loader shared with the 360 bench

from crm_core.db import create_engine, create_session_factory  # noqa: E402
from crm_core.repositories.orders import ORDER_KEYSET  # noqa: E402
from crm_core.schema import upgrade  # noqa: E402
from crm_core.services import orders  # noqa: E402
from crm_core.unit_of_work import SqlUnitOfWork  # noqa: E402


async def _timed(call, repeat: int) -> tuple[float, float]:  # noqa: ANN001
    """Median wall and CPU milliseconds of ``await call()``."""
    await call()
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        await call()
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return round(statistics.median(walls), 2), round(statistics.median(cpus), 2)


async def measure(url: str, depths: list[int], repeat: int, limit: int) -> dict:
    engine = create_engine(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    out: dict = {"points": []}
    try:
        total = (await orders.list_orders(uow, limit=1)).total
        for depth in depths:
            if depth >= total:
                continue
            before = (await orders.list_orders(uow, limit=1, offset=depth - 1)).items[0] \
                if depth else None
            cursor = ORDER_KEYSET.encode(before) if before is not None else None
            by_offset = await _timed(
                lambda d=depth: orders.list_orders(uow, limit=limit, offset=d), repeat)
            by_cursor = await _timed(
                lambda c=cursor: orders.list_orders(uow, limit=limit, cursor=c), repeat)
            a = await orders.list_orders(uow, limit=limit, offset=depth)
            b = await orders.list_orders(uow, limit=limit, cursor=cursor)
            assert [o.id for o in a.items] == [o.id for o in b.items], depth
            out["points"].append({"depth": depth, "offset_ms": by_offset[0],
                                  "offset_cpu_ms": by_offset[1], "cursor_ms": by_cursor[0],
                                  "cursor_cpu_ms": by_cursor[1]})
    finally:
        await engine.dispose()
    return out


async def count_only(url: str, repeat: int) -> float:
    """Milliseconds of the ``total`` every page of the unfiltered list computes."""
    from sqlalchemy import func, select

    from crm_core.models import Order

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            async def count() -> int:
                return (await conn.execute(select(func.count()).select_from(Order))).scalar_one()
            return (await _timed(count, repeat))[0]
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(args.seed)
    if args.db == "postgres":
        url = args.pg_url
        await crm_run.fresh_postgres(url)
    else:
        path = crm_run.ROOT / "bench" / "results" / "crm-pages.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    args.tickets = 0
    await crm_run.load(url, args, rng)
    depths = [0, 1_000, 10_000, 100_000, args.orders - 2 * args.limit]
    result = await measure(url, depths, args.repeat, args.limit)
    return {"db": args.db, "customers": args.customers, "orders": args.orders,
            "limit": args.limit, "repeat": args.repeat,
            "count_only_ms": await count_only(url, args.repeat), **result}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=300_000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url",
                        default="postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench_pages")
    parser.add_argument("--seed", type=int, default=1)
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
