"""CRM benchmark: bulk-load customers and orders, then time customer-360 lookups.

    python bench/crm/run.py --customers 100000 --orders 1000000 --db sqlite
    python bench/crm/run.py --customers 100000 --orders 1000000 --db postgres \
        --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench

The database is created from empty (SQLite file under bench/results/, or the PostgreSQL
database dropped and re-created), migrated with ``crm_core.schema.upgrade``, loaded through
``crm_core.bulk.insert_rows`` (the path the demo seed and the importer use), then
``customer_360`` (customer + last 10 orders + open tickets) is timed through the unit of work
for random customers. Prints a JSON line with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crm_core.bulk import insert_rows, reset_sequences  # noqa: E402
from crm_core.db import create_engine, create_session_factory  # noqa: E402
from crm_core.domain.enums import (  # noqa: E402
    Channel,
    CustomerTier,
    OrderStatus,
    Priority,
    TicketStatus,
)
from crm_core.schema import upgrade  # noqa: E402
from crm_core.services.orders import order_number  # noqa: E402
from crm_core.unit_of_work import SqlUnitOfWork  # noqa: E402

CHUNK = 50_000
STATUSES = (OrderStatus.DELIVERED, OrderStatus.SHIPPED, OrderStatus.PAID, OrderStatus.CANCELLED)
TICKET_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED,
                   TicketStatus.CLOSED)


async def fresh_postgres(url: str) -> None:
    """Drop and re-create the benchmark database named in ``url``."""
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


def customer_rows(start: int, stop: int, now: datetime) -> list[dict]:
    return [{"id": i, "name": f"Bench Customer {i}", "email": f"c{i}@bench.example.com",
             "phone": f"+1555{i:07d}", "country": "GB", "preferred_language": "en",
             "tier": CustomerTier.STANDARD, "consent_marketing": False,
             "consent_data_processing": True, "created_at": now, "updated_at": now}
            for i in range(start, stop)]


def order_rows(rng: np.random.Generator, start: int, stop: int, customers: int,
               now: datetime) -> list[dict]:
    n = stop - start
    cust = rng.integers(1, customers + 1, size=n).tolist()
    age = rng.uniform(0, 548 * 86400, size=n).tolist()
    status = rng.choice(len(STATUSES), size=n, p=(0.9, 0.04, 0.02, 0.04)).tolist()
    total = rng.integers(100, 50_000, size=n).tolist()
    return [{"id": i, "number": order_number(i), "customer_id": c, "status": STATUSES[s],
             "currency": "USD", "total": Decimal(t) / 100, "shipping_address": "1 Bench Rd",
             "placed_at": now - timedelta(seconds=a)}
            for i, c, a, s, t in zip(range(start, stop), cust, age, status, total, strict=True)]


def ticket_rows(rng: np.random.Generator, count: int, customers: int, now: datetime
                ) -> list[dict]:
    cust = rng.integers(1, customers + 1, size=count).tolist()
    status = rng.integers(0, len(TICKET_STATUSES), size=count).tolist()
    return [{"id": i + 1, "number": f"B-{i + 1}", "customer_id": c, "subject": "bench",
             "priority": Priority.NORMAL, "status": TICKET_STATUSES[s], "channel": Channel.WEB,
             "created_at": now, "updated_at": now}
            for i, (c, s) in enumerate(zip(cust, status, strict=True))]


async def load(url: str, args: argparse.Namespace, rng: np.random.Generator) -> dict:
    now = datetime.now(UTC)
    engine = create_engine(url)
    timings: dict[str, float] = {}
    try:
        async with engine.begin() as conn:
            t0 = time.perf_counter()
            for s in range(1, args.customers + 1, CHUNK):
                await insert_rows(conn, "customers",
                                  customer_rows(s, min(s + CHUNK, args.customers + 1), now))
            timings["customers_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            for s in range(1, args.orders + 1, CHUNK):
                rows = order_rows(rng, s, min(s + CHUNK, args.orders + 1), args.customers, now)
                await insert_rows(conn, "orders", rows)
                print(f"  orders {min(s + CHUNK - 1, args.orders):,}", file=sys.stderr,
                      flush=True)
            timings["orders_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            await insert_rows(conn, "tickets", ticket_rows(rng, args.tickets, args.customers, now))
            timings["tickets_s"] = time.perf_counter() - t0
            await reset_sequences(conn, ["customers", "orders", "tickets"])
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                from sqlalchemy import text

                await conn.execute(text("ANALYZE"))
        else:
            async with engine.begin() as conn:
                from sqlalchemy import text

                await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return timings


async def lookups(url: str, n: int, customers: int, rng: np.random.Generator) -> list[float]:
    engine = create_engine(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    ids = rng.integers(1, customers + 1, size=n).tolist()
    times: list[float] = []
    try:
        for warm in ids[:50]:  # warm the pool and the caches
            async with uow:
                await uow.customers.customer_360(warm)
        for cid in ids:
            t0 = time.perf_counter()
            async with uow:
                view = await uow.customers.customer_360(cid)
            times.append(time.perf_counter() - t0)
            assert view is not None
    finally:
        await engine.dispose()
    return times


async def main(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(args.seed)
    if args.db == "postgres":
        url = args.pg_url
        await fresh_postgres(url)
    else:
        path = ROOT / "bench" / "results" / "crm-bench.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    timings = await load(url, args, rng)
    times = np.array(await lookups(url, args.lookups, args.customers, rng)) * 1000
    return {
        "db": args.db, "customers": args.customers, "orders": args.orders,
        "tickets": args.tickets,
        "customers_rows_per_s": round(args.customers / timings["customers_s"]),
        "orders_rows_per_s": round(args.orders / timings["orders_s"]),
        "load_total_s": round(sum(timings.values()), 1),
        "lookups": args.lookups,
        "customer_360_p50_ms": round(float(np.percentile(times, 50)), 2),
        "customer_360_p99_ms": round(float(np.percentile(times, 99)), 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench")
    parser.add_argument("--seed", type=int, default=1)
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
