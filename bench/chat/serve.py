"""Servers for the chat benchmark: kefu itself (``--kefu``) or a bare aiohttp WebSocket
echo server (``--echo``), the ceiling the chat path is compared with.

    python -m bench.chat.serve --kefu --port 8090 --db var/bench/chat.sqlite3
    python -m bench.chat.serve --echo --port 8091

kefu's data dir is ``--data-dir`` (default ``var/bench/chat-data``): its NLU model is the
default pipeline (``config/nlu/config.yml`` on kefu's own data), trained by the app on
first start and again whenever that config has changed since.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from decimal import Decimal
from pathlib import Path

from aiohttp import WSMsgType, web

CUSTOMERS = 50
ROOT = Path(__file__).resolve().parents[2]


async def echo(request: web.Request) -> web.WebSocketResponse:
    """Answer every text frame with itself."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
    return ws


async def seed(url: str) -> None:
    """The schema at head, and ``CUSTOMERS`` customers (bench-N@example.com), each with one
    shipped order (kept when the database already holds them)."""
    from crm_core.db import create_engine, create_session_factory
    from crm_core.domain.enums import OrderStatus
    from crm_core.errors import CustomerNotFound
    from crm_core.schema import upgrade
    from crm_core.services import customers, orders
    from crm_core.unit_of_work import SqlUnitOfWork

    await upgrade(url)  # what `kefu db upgrade` does
    engine = create_engine(url)
    factory = create_session_factory(engine)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory)

    try:
        await customers.find_customer(uow(), email="bench-0@example.com")
    except CustomerNotFound:
        await customers.create_product(uow(), customers.NewProduct(
            sku="BENCH-MUG", name="Blue Ceramic Mug", price=Decimal("12.50"),
            description="A sturdy mug.", stock=1_000_000), actor="bench")
        for i in range(CUSTOMERS):
            person = await customers.create_customer(uow(), customers.NewCustomer(
                name=f"Bench {i}", email=f"bench-{i}@example.com"), actor="bench")
            order = await orders.place_order(uow(), person.id,
                                             [orders.NewOrderLine("BENCH-MUG", 1)],
                                             "1 Bench Road", actor="bench")
            for step in (OrderStatus.PAID, OrderStatus.SHIPPED):
                await orders.advance_order(uow(), order.number, step, actor="bench",
                                           tracking_number=f"TRK-{i}")
    await engine.dispose()


def drop_stale_model(data_dir: Path) -> None:
    """Remove the bench's NLU model when it was not trained with today's default config
    (the app then trains one at start-up)."""
    import json
    import shutil

    import yaml

    model = data_dir / "models" / "nlu"
    meta = model / "metadata.json"
    if not meta.is_file():
        return
    default = yaml.safe_load((ROOT / "config" / "nlu" / "config.yml").read_text())
    trained = json.loads(meta.read_text()).get("config", {})
    if trained.get("pipeline") != default.get("pipeline"):
        logging.warning("NLU model in %s is not today's default pipeline: retraining", model)
        shutil.rmtree(model)


def main() -> None:
    """Parse arguments, seed if needed, serve."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--kefu", action="store_true")
    kind.add_argument("--echo", action="store_true")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", default="var/bench/chat.sqlite3")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench" / "chat-data")
    parser.add_argument("--nlu-worker", action="store_true",
                        help="parse in a process of its own (settings.nlu_worker)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.echo:
        app = web.Application()
        app.router.add_get("/ws/echo", echo)
    else:
        from bot.gateway.app import create_app
        from bot.gateway.serve import settle_gc
        from bot.settings import Settings

        url = f"sqlite+aiosqlite:///{Path(args.db).resolve()}"
        if args.db.startswith("postgresql"):
            url = args.db
        asyncio.run(seed(url))
        drop_stale_model(args.data_dir)
        app = create_app(Settings(database_url=url, redis_url=args.redis_url,
                                  data_dir=args.data_dir, nlu_worker=args.nlu_worker,
                                  secret_key="bench-secret-key-0123456789-abcdefgh",
                                  # 1,000 sessions from one address: no per-client limits
                                  rate_limit_chat="", rate_limit_ws_frames=""))
        app.on_startup.append(settle_gc)  # as `kefu serve` does
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
