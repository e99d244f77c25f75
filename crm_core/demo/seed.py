"""``kefu demo seed``: generate the demo CRM and bulk-load it in one transaction."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from crm_core.bulk import insert_rows, reset_sequences
from crm_core.db import create_engine
from crm_core.demo.commerce import Commerce, make_commerce
from crm_core.demo.support import Support, link_csat_tickets, make_agents, make_tickets
from crm_core.domain.enums import OrderStatus
from crm_core.domain.policy import SlaPolicy
from crm_core.errors import Conflict
from crm_core.models import AuditEntry, Customer

CREDENTIALS_FILE = "demo-credentials.json"


@dataclass(frozen=True, slots=True)
class DemoSize:
    """How much to generate (defaults: the documented demo data set)."""

    customers: int = 3000
    products: int = 300
    orders: int = 30_000
    agents: int = 20
    tickets: int = 2400


@dataclass
class SeedReport:
    """What was loaded, the credentials to try it, and how long it took."""

    counts: dict[str, int] = field(default_factory=dict)
    agents: list[dict[str, str]] = field(default_factory=list)
    customers: list[dict[str, str]] = field(default_factory=list)
    credentials_path: Path | None = None
    seconds: float = 0.0
    skipped: bool = False


def generate(seed: int, now: datetime, policy: SlaPolicy, size: DemoSize,
             hash_password: Any) -> tuple[Commerce, Support]:
    """All demo rows; the same ``seed`` and ``now`` give the same data (passwords aside)."""
    rng = np.random.default_rng(seed)
    commerce = make_commerce(rng, now, customers=size.customers, products=size.products,
                             orders=size.orders)
    support = Support()
    make_agents(rng, size.agents, hash_password, support)
    make_tickets(rng, commerce, policy, now, min(size.tickets, len(commerce.orders)), support)
    link_csat_tickets(support)
    return commerce, support


def showcase_customers(commerce: Commerce, now: datetime) -> list[dict[str, str]]:
    """Two or three customers worth trying in the bot: an English and a Chinese one with an
    order delivered in the return window, and one with an order that can still be cancelled."""
    emails = {c["id"]: (c["email"], c["name"], c["preferred_language"])
              for c in commerce.customers}
    wanted = [
        ("en", {OrderStatus.DELIVERED}, "return it (delivered recently)"),
        ("zh", {OrderStatus.DELIVERED}, "return it (delivered recently)"),
        (None, {OrderStatus.PAID, OrderStatus.PENDING, OrderStatus.SHIPPED},
         "ask where it is, or cancel it / change the address if not shipped"),
    ]
    out: list[dict[str, str]] = []
    for lang, statuses, hint in wanted:
        for order in reversed(commerce.orders):
            email, name, language = emails[order["customer_id"]]
            recent = order["delivered_at"] is None or now - order["delivered_at"] < timedelta(
                days=20)
            if order["status"] in statuses and recent and (lang is None or language == lang) \
                    and all(email != o["email"] for o in out):
                out.append({"email": email, "name": name, "order": order["number"],
                            "status": str(order["status"]), "try": hint})
                break
    return out


def write_credentials(data_dir: Path, report: SeedReport) -> Path:
    """Write agent passwords and demo customers to ``data_dir`` readable by the owner only."""
    path = Path(data_dir) / CREDENTIALS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"agents": report.agents, "customers": report.customers},
                         ensure_ascii=False, indent=2)
    # Create with 0600 from the start: the passwords are never world-readable, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(payload)
    path.chmod(0o600)
    return path


async def seed_demo(url: str, policy: SlaPolicy, data_dir: Path, *, seed: int = 42,
                    if_empty: bool = False, now: datetime | None = None,
                    size: DemoSize = DemoSize()) -> SeedReport:
    """Load the demo data into an empty CRM (``Conflict`` if customers exist, or nothing
    at all with ``if_empty``). The database must be migrated."""
    from crm_core.schema import ensure_current
    from crm_core.services.agents import hash_password

    await ensure_current(url)  # a clear "run kefu db upgrade" rather than "no such table"
    started = time.perf_counter()
    now = now or datetime.now(UTC).replace(microsecond=0)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            existing = (await conn.execute(select(func.count()).select_from(Customer))).scalar_one()
            if existing:
                if if_empty:
                    return SeedReport(skipped=True, counts={"customers": existing})
                raise Conflict(f"the CRM already has {existing} customers; demo seed needs an "
                               "empty database (use --if-empty to skip quietly)",
                               details={"customers": existing})
            commerce, support = generate(seed, now, policy, size, hash_password)
            report = SeedReport()
            for table, rows in (
                    ("customers", commerce.customers), ("products", commerce.products),
                    ("agents", support.agents), ("agent_skills", support.agent_skills),
                    ("orders", commerce.orders), ("order_lines", commerce.order_lines),
                    ("conversations", support.conversations), ("messages", support.messages),
                    ("tickets", support.tickets), ("ticket_comments", support.ticket_comments),
                    ("csat_ratings", support.csat_ratings)):
                report.counts[table] = await insert_rows(conn, table, rows)
            await insert_rows(conn, AuditEntry.__table__, [{
                "actor": "system", "action": "demo.seed", "entity": "crm", "entity_id": "demo",
                "at": now, "details": {"seed": seed, **report.counts}}])
            await reset_sequences(conn)
    finally:
        await engine.dispose()
    report.agents = [{"email": a["email"], "password": support.passwords[a["email"]],
                      "role": str(a["role"]), "name": a["name"]} for a in support.agents]
    report.customers = showcase_customers(commerce, now)
    report.credentials_path = write_credentials(data_dir, report)
    report.seconds = time.perf_counter() - started
    return report
