"""``kefu customers export ID`` / ``erase ID`` (issue #15 item 4): export prints all kefu
holds as JSON; erase asks unless --yes, removes PII everywhere (messages and dialogue
events included), keeps orders without PII; both audited. CLI on the demo data (SQLite),
services on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from bot.cli import main
from crm_core.db import create_engine, create_session_factory
from crm_core.schema import upgrade
from crm_core.services import customers
from crm_core.services.privacy import erase_customer, export_customer
from crm_core.unit_of_work import SqlUnitOfWork


def _run(args: list[str], url: str, data_dir: Path, input: str | None = None):
    env = {"KEFU_DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(main, args, env=env, input=input, catch_exceptions=False)


def test_cli_export_then_erase_on_the_demo_data(sqlite_url: str, tmp_path: Path) -> None:
    assert _run(["db", "upgrade"], sqlite_url, tmp_path).exit_code == 0
    assert _run(["demo", "seed"], sqlite_url, tmp_path).exit_code == 0
    db = Path(sqlite_url.split("///", 1)[1])
    with sqlite3.connect(db) as conn:
        (cid,) = conn.execute(
            "SELECT c.customer_id FROM conversations c JOIN messages m ON "
            "m.conversation_id = c.id JOIN orders o ON o.customer_id = c.customer_id "
            "WHERE c.customer_id IS NOT NULL LIMIT 1").fetchone()
    exported = _run(["customers", "export", str(cid)], sqlite_url, tmp_path)
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.output)
    email = data["customer"]["email"]
    assert "@" in email and data["customer"]["id"] == cid
    assert data["orders"] and data["conversations"] and data["messages"]
    assert {"tickets", "dialogue_events", "audit", "csat_ratings"} <= data.keys()
    assert any(e["action"] == "customer.export" for e in data["audit"])

    declined = _run(["customers", "erase", str(cid)], sqlite_url, tmp_path, input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert json.loads(_run(["customers", "export", str(cid)], sqlite_url,
                           tmp_path).output)["customer"]["email"] == email

    erased = _run(["customers", "erase", str(cid), "--yes"], sqlite_url, tmp_path)
    assert erased.exit_code == 0 and f"erased customer {cid}" in erased.output
    after = json.loads(_run(["customers", "export", str(cid)], sqlite_url, tmp_path).output)
    c = after["customer"]
    assert c["email"] is None and c["phone"] is None and c["name"] == f"Erased customer {cid}"
    assert len(after["orders"]) == len(data["orders"])  # kept for accounting
    assert all(o["shipping_address"] is None for o in after["orders"])
    assert all(m["text"] == "[erased]" for m in after["messages"])
    assert {e["action"] for e in after["audit"]} >= {"customer.export", "customer.erase"}
    missing = _run(["customers", "export", "999999"], sqlite_url, tmp_path)
    assert missing.exit_code == 1 and "not found" in missing.output


async def test_erase_scrubs_messages_and_dialogue_events(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    uow = lambda: SqlUnitOfWork(create_session_factory(engine))  # noqa: E731
    try:
        c = await customers.create_customer(uow(), customers.NewCustomer(
            name="Mei Lin", email="mei.lin@example.com", phone="+8613800002222"), actor="system")
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO conversations (id, sender_id, channel, customer_id, status, "
                "started_at) VALUES (77, 'web-abc', 'web', :c, 'bot', CURRENT_TIMESTAMP)"),
                {"c": c.id})
            await conn.execute(text(
                "INSERT INTO messages (conversation_id, role, text, created_at) VALUES "
                "(77, 'customer', 'I am Mei, mei.lin@example.com', CURRENT_TIMESTAMP)"))
            await conn.execute(text(
                "INSERT INTO dialogue_events (conversation_id, event) VALUES (77, :e)"),
                {"e": json.dumps({"event": "user", "timestamp": 1.0,
                                  "text": "mei.lin@example.com",
                                  "parse_data": {"entities": [{"value": "mei.lin@example.com"}]},
                                  "metadata": {"phone": "+8613800002222"}})})
        exported = await export_customer(uow(), c.id, actor="agent:1")
        assert exported["dialogue_events"][0]["event"]["text"] == "mei.lin@example.com"
        counts = await erase_customer(uow(), c.id, actor="agent:1")
        assert counts["messages"] == 1 and counts["dialogue_events"] == 1
        async with engine.connect() as conn:
            dump = ""
            for table in ("messages", "dialogue_events", "conversations", "audit_log"):
                dump += str((await conn.execute(text(f"SELECT * FROM {table}"))).all())
        assert "mei.lin" not in dump and "8613800002222" not in dump and "Mei" not in dump
        again = await export_customer(uow(), c.id, actor="agent:1")
        assert again["dialogue_events"][0]["event"] == {"event": "user", "timestamp": 1.0,
                                                        "text": "[erased]"}
    finally:
        await engine.dispose()
