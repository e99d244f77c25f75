"""Identity checks counted per email and per client across conversations, on real SQLite
and PostgreSQL: lockouts, their doubling, the audit trail, and nothing in clear."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, text

from crm_core.errors import CustomerNotFound, DuplicateKey, IdentityLocked
from crm_core.models import AuditEntry, IdentityGuard
from crm_core.services import customers, orders
from crm_core.services.identity_guard import IdentityPolicy, verify_identity
from tests.integration.crm_support import *  # noqa: F403 - fixtures

POLICY = IdentityPolicy(max_failures_email=3, max_failures_client=5,
                        window=timedelta(hours=1), lockout=timedelta(seconds=60),
                        max_lockout=timedelta(seconds=200))


async def _ann_order(uow) -> tuple[int, str]:
    ann = await customers.create_customer(
        uow, customers.NewCustomer(name="Ann Lee", email="ann@example.com"), actor="system")
    try:
        await customers.create_product(uow, customers.NewProduct(
            sku="MUG-1", name="Mug", price=Decimal("3.50"), stock=5, category="kitchen"),
            actor="system")
    except DuplicateKey:
        pass
    order = await orders.place_order(uow, ann.id, [orders.NewOrderLine("MUG-1", 1)],
                                     "1 High St, London", actor="system")
    return ann.id, order.number


async def _guess(uow, email: str, number: str, client: str | None) -> str:
    try:
        await verify_identity(uow, email, number, client=client, policy=POLICY)
    except IdentityLocked as exc:
        assert exc.retry_after >= 1
        return "locked"
    except CustomerNotFound:
        return "wrong"
    return "ok"


async def test_email_locked_after_n_failures_even_for_the_right_order(uow) -> None:
    ann_id, number = await _ann_order(uow)
    # Each guess from a different client (a botnet): the email's own counter stops it.
    results = [await _guess(uow, "ann@example.com", f"KF-9{i:05d}", f"10.0.0.{i}")
               for i in range(3)]
    assert results == ["wrong", "wrong", "wrong"]
    # Locked now: even the right number proves nothing until the lockout ends.
    assert await _guess(uow, "ANN@example.com ", number, "10.9.9.9") == "locked"
    # Another email from a fresh client is not affected.
    assert await _guess(uow, "bob@example.com", number, "10.0.1.1") == "wrong"


async def test_client_locked_across_emails(uow) -> None:
    _, number = await _ann_order(uow)
    results = [await _guess(uow, f"user{i}@example.com", number, "203.0.113.7")
               for i in range(5)]
    assert results == ["wrong"] * 5
    # The client is locked for every email, including a right one.
    assert await _guess(uow, "ann@example.com", number, "203.0.113.7") == "locked"
    assert await _guess(uow, "ann@example.com", number, "198.51.100.1") == "ok"


async def test_lockouts_double_and_success_resets_the_email(uow, migrated_url) -> None:
    _, number = await _ann_order(uow)
    for _ in range(3):
        await _guess(uow, "ann@example.com", "KF-000001", None)
    async with uow:
        [row] = (await uow.session.scalars(select(IdentityGuard))).all()
        first = row.locked_until - row.updated_at
        assert row.lockouts == 1 and timedelta(seconds=59) < first <= timedelta(seconds=60)
        row.locked_until = row.updated_at  # time passes: the lockout is over
        await uow.commit()
    for _ in range(3):
        await _guess(uow, "ann@example.com", "KF-000001", None)
    async with uow:
        [row] = (await uow.session.scalars(select(IdentityGuard))).all()
        assert row.lockouts == 2
        assert timedelta(seconds=119) < row.locked_until - row.updated_at <= timedelta(seconds=120)
        row.locked_until = row.updated_at
        await uow.commit()
    assert await _guess(uow, "ann@example.com", number, None) == "ok"
    async with uow:
        [row] = (await uow.session.scalars(select(IdentityGuard))).all()
        assert (row.failures, row.lockouts, row.locked_until) == (0, 0, None)


async def test_failures_and_lockouts_are_audited_without_clear_keys(uow) -> None:
    await _ann_order(uow)
    for i in range(3):
        await _guess(uow, "ann@example.com", f"KF-00000{i}", "192.0.2.1")
    await _guess(uow, "ann@example.com", "KF-000009", "192.0.2.1")
    async with uow:
        entries = (await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "identity"))).all()
        rows = (await uow.session.scalars(select(IdentityGuard))).all()
    actions = sorted(e.action for e in entries)
    assert actions == ["identity.failed"] * 3 + ["identity.locked", "identity.refused_locked"]
    stored = " ".join(f"{e.entity_id} {e.details}" for e in entries)
    stored += " ".join(r.key_hash for r in rows)
    assert "ann@example.com" not in stored and "192.0.2.1" not in stored


async def test_concurrent_guesses_are_all_counted(uow, migrated_url) -> None:
    from crm_core.db import create_engine, create_session_factory
    from crm_core.unit_of_work import SqlUnitOfWork

    await _ann_order(uow)
    engine = create_engine(migrated_url)
    factory = create_session_factory(engine)
    try:
        results = await asyncio.gather(*(
            _guess(SqlUnitOfWork(factory), "ann@example.com", f"KF-8{i:05d}", None)
            for i in range(6)))
    finally:
        await engine.dispose()
    # Three allowed failures, then locked: never more than three checks were made.
    assert results.count("wrong") == 3 and results.count("locked") == 3


async def test_table_holds_hashes_only(uow) -> None:
    await _guess(uow, "carol@example.com", "KF-123456", "2001:db8::1")
    async with uow:
        raw = (await uow.session.execute(text(
            "SELECT scope, key_hash FROM identity_guards ORDER BY scope"))).all()
    assert [r[0] for r in raw] == ["client", "email"]
    assert all(len(r[1]) == 64 for r in raw)
