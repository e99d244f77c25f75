"""PII at rest (issue #15 item 4): after ``kefu demo seed`` no customer email, phone or
address is readable in the SQLite file, which is mode 0600; lookups by email and phone
still work through the blind index (SQLite and PostgreSQL); ``kefu db rotate-key``
re-encrypts under a new key; migration 0008 encrypts rows written before it."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from bot.cli import main
from crm_core import crypto
from crm_core.crypto import keyring_from, new_key
from crm_core.db import create_engine
from crm_core.schema import head_revision, upgrade
from crm_core.services import customers
from crm_core.unit_of_work import SqlUnitOfWork


def _run(args: list[str], url: str, data_dir: Path, **env: str):
    env = {"KEFU_DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir), **env}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def _file_of(url: str) -> Path:
    return Path(url.split("///", 1)[1])


def _raw_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())


@pytest.fixture
def restore_keyring():
    yield
    crypto.configure(None)  # back to the suite's KEFU_PII_KEYS


def test_demo_seed_leaves_no_pii_readable_and_the_file_0600(sqlite_url: str, tmp_path: Path,
                                                           restore_keyring) -> None:
    assert _run(["db", "upgrade"], sqlite_url, tmp_path).exit_code == 0
    seeded = _run(["demo", "seed"], sqlite_url, tmp_path)
    assert seeded.exit_code == 0, seeded.output
    db = _file_of(sqlite_url)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    ring = crypto.get_keyring()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name, email, phone FROM customers").fetchall()
        addresses = [a for (a,) in conn.execute(
            "SELECT shipping_address FROM orders WHERE shipping_address IS NOT NULL")]
    assert len(rows) > 100 and addresses
    assert all(v.startswith("v1:") for row in rows for v in row if v is not None)
    emails = [ring.decrypt(e) for _, e, _ in rows if e]
    phones = [ring.decrypt(p) for _, _, p in rows if p]
    plain_addresses = [ring.decrypt(a) for a in addresses]
    assert emails and phones and "@" in emails[0]
    raw = _raw_bytes(db)
    # The output shows demo customers' emails: the one a tester greps for first.
    shown = [line.split("<", 1)[1].split(">", 1)[0] for line in seeded.output.splitlines()
             if "<" in line and "@" in line]
    assert shown
    for value in shown + emails[:200] + phones[:200] + plain_addresses[:200]:
        assert value.encode() not in raw, f"{value!r} readable in {db}"


async def test_lookups_by_email_and_phone_use_the_blind_index(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        from crm_core.db import create_session_factory

        uow = lambda: SqlUnitOfWork(create_session_factory(engine))  # noqa: E731
        c = await customers.create_customer(uow(), customers.NewCustomer(
            name="Zoë Ünal", email="Zoe.Unal@Example.com", phone="+44 (20) 7946-0001"),
            actor="system")
        assert (await customers.find_customer(uow(), email=" zoe.unal@example.COM")).id == c.id
        assert (await customers.find_customer(uow(), phone="+442079460001")).id == c.id
        assert (await customers.list_customers(uow(), q="zoë")).total == 1
        assert (await customers.list_customers(uow(), email="ZOE.UNAL@example.com")).total == 1
        assert (await customers.list_customers(uow(), q="7946-0001")).total == 1
        async with engine.connect() as conn:
            stored = (await conn.execute(text(
                "SELECT name, email, phone, email_bidx FROM customers"))).one()
        assert all(v.startswith("v1:") for v in stored[:3]) and len(stored[3]) == 64
        assert "Zoe" not in "".join(stored)
    finally:
        await engine.dispose()


def test_rotate_key_reencrypts_under_the_new_key(sqlite_url: str, tmp_path: Path,
                                                restore_keyring) -> None:
    old, new = new_key(), new_key()
    assert _run(["db", "upgrade"], sqlite_url, tmp_path, KEFU_PII_KEYS=f"k1:{old}").exit_code == 0
    assert _run(["demo", "seed"], sqlite_url, tmp_path, KEFU_PII_KEYS=f"k1:{old}").exit_code == 0
    rotated = _run(["db", "rotate-key"], sqlite_url, tmp_path, KEFU_PII_KEYS=f"k2:{new},k1:{old}")
    assert rotated.exit_code == 0, rotated.output
    assert "with key k2" in rotated.output and "k1:" in rotated.output
    with sqlite3.connect(_file_of(sqlite_url)) as conn:
        kids = {v.split(":")[1] for (v,) in conn.execute("SELECT email FROM customers "
                                                         "WHERE email IS NOT NULL")}
        email = conn.execute("SELECT email FROM customers WHERE email IS NOT NULL").fetchone()[0]
    assert kids == {"k2"}
    # The old key can go now: the new one alone reads everything.
    alone = keyring_from(f"k2:{new}", None, tmp_path)
    assert "@" in alone.decrypt(email)


async def test_migration_0008_encrypts_rows_written_before_it(database_url: str) -> None:
    await upgrade(database_url, "0006_identity_guard")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO customers (id, name, email, phone, preferred_language, tier, "
                "consent_marketing, consent_data_processing, created_at, updated_at) VALUES "
                "(1, 'Old Row', 'old@example.com', '+8613800001111', 'en', 'standard', "
                "false, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        assert await upgrade(database_url) == head_revision()
        async with engine.connect() as conn:
            name, email = (await conn.execute(text("SELECT name, email FROM customers"))).one()
        assert name.startswith("v1:") and email.startswith("v1:")
        from crm_core.db import create_session_factory

        uow = SqlUnitOfWork(create_session_factory(engine))
        found = await customers.find_customer(uow, email="OLD@example.com")
        assert found.name == "Old Row" and found.phone == "+8613800001111"
    finally:
        await engine.dispose()
