"""Shared by the chat tests: a real app on a fresh CRM database with a few customers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.gateway.app import create_app
from bot.settings import Settings

SECRET = "test-secret-key-0123456789-for-chat-tests"


@dataclass(frozen=True)
class Seeded:
    """Numbers the conversation tests talk about."""

    ann_id: int
    ann_paid: str        # paid, not shipped: can be cancelled / re-addressed
    ann_shipped: str     # shipped with tracking number TRACK-ANN-1
    ann_delivered: str   # delivered yesterday: can be returned
    bob_order: str       # Bob's: Ann must never see it
    vera_order: str      # Vera is a VIP


async def create_schema(url: str) -> None:
    """The CRM tables through the migrations, as ``kefu db upgrade`` makes them (the app
    creates no tables itself; PostgreSQL needs the migrations' extensions too)."""
    from crm_core.schema import upgrade

    await upgrade(url)


async def seed(url: str) -> Seeded:
    """Ann (three orders), Bob (one), Vera (VIP, one) and two products."""
    from datetime import UTC, datetime, timedelta

    from crm_core.db import create_engine, create_session_factory
    from crm_core.domain.enums import CustomerTier, OrderStatus
    from crm_core.services import customers, orders
    from crm_core.unit_of_work import SqlUnitOfWork

    await create_schema(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory)

    await customers.create_product(uow(), customers.NewProduct(
        sku="MUG-1", name="Blue Ceramic Mug", price=Decimal("12.50"), category="kitchen",
        description="A sturdy 350 ml mug.", stock=40), actor="test")
    await customers.create_product(uow(), customers.NewProduct(
        sku="LAMP-1", name="Desk Lamp", price=Decimal("39.00"), category="home",
        description="LED lamp with a dimmer.", stock=0), actor="test")
    people = {}
    for name, email, tier in (("Ann Lee", "ann@example.com", CustomerTier.STANDARD),
                              ("Bob Ray", "bob@example.com", CustomerTier.STANDARD),
                              ("Vera Vip", "vera@example.com", CustomerTier.VIP)):
        people[name] = await customers.create_customer(
            uow(), customers.NewCustomer(name=name, email=email, tier=tier), actor="test")

    async def order(who: str, *steps: OrderStatus, tracking: str | None = None) -> str:
        placed = await orders.place_order(uow(), people[who].id,
                                          [orders.NewOrderLine("MUG-1", 1)], "1 Old Street",
                                          actor="test")
        for step in steps:
            await orders.advance_order(uow(), placed.number, step, actor="test",
                                       tracking_number=tracking
                                       if step is OrderStatus.SHIPPED else None,
                                       now=datetime.now(UTC) - timedelta(days=1))
        return placed.number

    seeded = Seeded(
        ann_id=people["Ann Lee"].id,
        ann_paid=await order("Ann Lee", OrderStatus.PAID),
        ann_shipped=await order("Ann Lee", OrderStatus.PAID, OrderStatus.SHIPPED,
                                tracking="TRACK-ANN-1"),
        ann_delivered=await order("Ann Lee", OrderStatus.PAID, OrderStatus.SHIPPED,
                                  OrderStatus.DELIVERED, tracking="TRACK-ANN-2"),
        bob_order=await order("Bob Ray", OrderStatus.PAID),
        vera_order=await order("Vera Vip", OrderStatus.PAID),
    )
    await engine.dispose()
    return seeded


def chat_settings(url: str, data_dir: Path | None = None, **kw: object) -> Settings:
    """Settings for a test app on ``url`` (``data_dir``: where the NLU model is found)."""
    if data_dir is not None:
        kw["data_dir"] = data_dir
    kw.setdefault("email_outbox", True)  # codes read back with mailed_code(data_dir)
    return Settings(database_url=url, secret_key=SECRET, **kw)


def chat_app(url: str, data_dir: Path | None = None, nlu_model_dir: Path | None = None,
             **kw: object):  # noqa: ANN201
    """The real application for ``url``. With ``nlu_model_dir`` (the session's trained
    model, see tests/conftest.py) linked into ``data_dir`` the app's NLU cleanup_ctx loads
    it instead of training its own."""
    if data_dir is not None and nlu_model_dir is not None:
        models = data_dir / "models"
        models.mkdir(parents=True, exist_ok=True)
        if not (models / "nlu").exists():
            (models / "nlu").symlink_to(nlu_model_dir, target_is_directory=True)
    return create_app(chat_settings(url, data_dir, **kw))


def chat_app_with_nlu(url: str, data_dir: Path, nlu_model_dir: Path, **kw: object):  # noqa: ANN201
    """The real application with kefu's default NLU model, so typed text is understood."""
    return chat_app(url, data_dir, nlu_model_dir, **kw)


_template: tuple[Path, Seeded] | None = None


async def seed_fast(url: str) -> Seeded:
    """``seed(url)``, but for SQLite a copy of one seeded file made once per test run."""
    global _template  # noqa: PLW0603 - a per-process cache of test data
    import shutil
    import tempfile

    from sqlalchemy.engine import make_url

    if not url.startswith("sqlite"):
        return await seed(url)
    if _template is None:
        path = Path(tempfile.mkdtemp(prefix="kefu-chat-seed-")) / "seed.sqlite3"
        _template = (path, await seed(f"sqlite+aiosqlite:///{path}"))
    source, seeded = _template
    target = Path(make_url(url).database or "")
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return seeded


def mailed_code(data_dir: Path) -> str:
    """The six-digit code in the newest mail of the development outbox (``data_dir/outbox``),
    where kefu writes mail when no SMTP server is configured."""
    import email
    import re

    newest = max((data_dir / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    body = email.message_from_bytes(newest.read_bytes()).get_payload(decode=True).decode()
    return re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]
