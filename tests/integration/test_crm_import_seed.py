"""The Online Retail importer on a small slice (with bad rows) and the demo seed, on SQLite
and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_core.db import create_engine
from crm_core.demo.seed import CREDENTIALS_FILE, DemoSize, generate, seed_demo
from crm_core.errors import Conflict, InvalidInput, SchemaOutOfDate
from crm_core.importers.online_retail import import_online_retail
from crm_core.models import Customer, Order, OrderLine, Product, Ticket
from crm_core.policies import parse_policy
from tests.integration.crm_support import *  # noqa: F403 - fixtures
from tests.integration.crm_support import TEST_POLICY

SLICE = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom
536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047,United Kingdom
536368,22960,JAM MAKING SET WITH JARS,six,2010-12-01 08:34:00,4.25,13047,United Kingdom
536369,22961,JAM MAKING SET PRINTED,1,not a date,1.45,13047,United Kingdom
536370,22728,ALARM CLOCK BAKELIKE PINK,24,2010-12-01 08:45:00,3.75,,France
C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527,United Kingdom
536371,22086,PAPER CHAIN KIT 50'S CHRISTMAS,80,2010-12-01 09:00:00,2.55,13748,United Kingdom
536372,,NO STOCK CODE,1,2010-12-01 09:01:00,2.10,13748,United Kingdom
536373,21730,GLASS STAR FROSTED T-LIGHT HOLDER,-3,2010-12-01 09:02:00,0,13748,United Kingdom
536374,21731,RED TOADSTOOL LED NIGHT LIGHT,2,2010-12-01 09:09:00,-1.65,13748,United Kingdom
536365,22752,SET 7 BABUSHKA NESTING BOXES,2,2010-12-01 08:26:00,7.65,13047,United Kingdom
"""


async def _count(url: str, model) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(model))).scalar_one()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("gzipped", [False, True])
async def test_import_slice_reports_bad_rows_and_is_idempotent(
        migrated_url: str, tmp_path: Path, gzipped: bool) -> None:
    path = tmp_path / ("slice.csv.gz" if gzipped else "slice.csv")
    path.write_bytes(gzip.compress(SLICE.encode()) if gzipped else SLICE.encode())
    first = await import_online_retail(migrated_url, path, show_progress=False)
    assert first.rows == 13
    # Line numbers count the header as line 1.
    assert [line for line, _ in first.bad_rows] == [6, 7, 11, 13, 14]
    reasons = dict(first.bad_rows)
    assert "Quantity" in reasons[6] and "InvoiceDate" in reasons[7]
    assert "two customers" in reasons[14] and "negative" in reasons[13]
    assert (first.guest_rows, first.credit_note_rows, first.adjustment_rows) == (1, 1, 1)
    # 536365 is dropped whole (split across two customers).
    assert (first.customers_added, first.orders_added, first.lines_added) == (3, 3, 3)
    assert first.products_added == await _count(migrated_url, Product)
    assert await _count(migrated_url, Order) == 3

    second = await import_online_retail(migrated_url, path, show_progress=False)
    assert (second.customers_added, second.products_added, second.orders_added,
            second.lines_added) == (0, 0, 0, 0)
    assert second.orders_existing == 3 and second.customers_existing == 3
    assert await _count(migrated_url, OrderLine) == 3


async def test_import_refuses_a_file_that_is_not_online_retail(migrated_url: str,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InvalidInput) as exc:
        await import_online_retail(migrated_url, path, show_progress=False)
    assert "InvoiceNo" in exc.value.details["missing"]


async def test_import_needs_a_migrated_database(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "slice.csv"
    path.write_text(SLICE)
    with pytest.raises(SchemaOutOfDate):
        await import_online_retail(sqlite_url, path, show_progress=False)


SMALL = DemoSize(customers=80, products=48, orders=400, agents=3, tickets=30)
NOW = datetime(2026, 6, 1, 18, tzinfo=UTC)


def test_demo_generation_is_deterministic() -> None:
    policy = parse_policy(TEST_POLICY)
    a_com, a_sup = generate(7, NOW, policy, SMALL, lambda p: "hash")
    b_com, b_sup = generate(7, NOW, policy, SMALL, lambda p: "hash")
    assert a_com.orders == b_com.orders and a_com.customers == b_com.customers
    assert a_sup.tickets == b_sup.tickets
    assert a_sup.passwords != b_sup.passwords  # from secrets, not from the public seed
    languages = {c["preferred_language"] for c in a_com.customers}
    assert languages == {"en", "zh"}
    assert all(o["placed_at"] <= NOW for o in a_com.orders)
    c_com, _ = generate(8, NOW, policy, SMALL, lambda p: "hash")
    assert c_com.orders != a_com.orders


async def test_seed_loads_once_and_writes_private_credentials(migrated_url: str,
                                                              tmp_path: Path) -> None:
    policy = parse_policy(TEST_POLICY)
    report = await seed_demo(migrated_url, policy, tmp_path, seed=3, now=NOW, size=SMALL)
    assert report.counts["customers"] == 80 and report.counts["orders"] == 400
    assert await _count(migrated_url, Customer) == 80
    assert await _count(migrated_url, Ticket) == 30
    creds = tmp_path / CREDENTIALS_FILE
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    data = json.loads(creds.read_text())
    assert len(data["agents"]) == 3 and data["customers"]

    # The agents can log in with the printed passwords; ids continue after the seed.
    from crm_core.db import create_session_factory
    from crm_core.services import agents, customers
    from crm_core.unit_of_work import SqlUnitOfWork

    engine = create_engine(migrated_url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    admin = data["agents"][0]
    assert (await agents.authenticate(uow, admin["email"], admin["password"])).role == "admin"
    shown = data["customers"][0]
    found = await customers.find_customer(uow, email=shown["email"])
    view = await customers.customer_360(uow, found.id)
    assert view.recent_orders
    new = await customers.create_customer(uow, customers.NewCustomer(name="New"),
                                          actor="system")
    assert new.id == 81
    await engine.dispose()

    skipped = await seed_demo(migrated_url, policy, tmp_path, if_empty=True, size=SMALL)
    assert skipped.skipped
    with pytest.raises(Conflict):
        await seed_demo(migrated_url, policy, tmp_path, size=SMALL)
