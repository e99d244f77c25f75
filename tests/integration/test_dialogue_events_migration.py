"""``dialogue_events`` (the tracker store) is made by the CRM's migrations: from empty, and
adopted from a database where an older kefu created it at start-up (rows kept, orphans
dropped, foreign key added); a database at the previous revision is refused until
upgraded; the app no longer creates tables itself."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm_core.db import create_engine
from crm_core.errors import SchemaOutOfDate
from crm_core.schema import downgrade, ensure_current, head_revision, upgrade
from tests.integration.test_crm_migrations import _diff

BEFORE = "0003_agent_team"  # the revision before dialogue_events
# What the old ``ensure_schema`` created (bot.dialogue.store_sql's own metadata).
OLD_DDL = """CREATE TABLE dialogue_events (
    id {serial} NOT NULL,
    conversation_id INTEGER NOT NULL,
    event JSON NOT NULL,
    PRIMARY KEY (id))"""


async def _sql(url: str, *statements: str) -> list:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = None
            for statement in statements:
                result = await conn.execute(text(statement))
            return list(result) if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


async def test_from_empty_creates_the_table_with_its_foreign_key(database_url: str) -> None:
    await upgrade(database_url)
    await _sql(database_url,
               "INSERT INTO conversations (sender_id, channel, status, started_at) "
               "VALUES ('s1', 'web', 'bot', CURRENT_TIMESTAMP)")
    await _sql(database_url, "INSERT INTO dialogue_events (conversation_id, event) "
                             "SELECT id, '{\"event\": \"user\"}' FROM conversations")
    with pytest.raises(Exception, match="(?i)foreign key"):
        await _sql(database_url, "INSERT INTO dialogue_events (conversation_id, event) "
                                 "VALUES (999999, '{}')")
    # Deleting a conversation deletes its tracker.
    await _sql(database_url, "DELETE FROM conversations")
    assert await _sql(database_url, "SELECT count(*) FROM dialogue_events") == [(0,)]


async def test_previous_head_is_refused_then_adopted_with_its_rows(database_url: str) -> None:
    await upgrade(database_url, BEFORE)
    serial = "SERIAL" if database_url.startswith("postgresql") else "INTEGER"
    await _sql(
        database_url,
        OLD_DDL.format(serial=serial),
        "CREATE INDEX ix_dialogue_events_conversation_id ON dialogue_events (conversation_id)",
        "INSERT INTO conversations (sender_id, channel, status, started_at) "
        "VALUES ('s1', 'web', 'bot', CURRENT_TIMESTAMP)",
        "INSERT INTO dialogue_events (conversation_id, event) "
        "SELECT id, '{\"event\": \"user\", \"text\": \"hi\"}' FROM conversations",
        "INSERT INTO dialogue_events (conversation_id, event) VALUES (4242, '{}')",  # orphan
    )
    with pytest.raises(SchemaOutOfDate) as exc:
        await ensure_current(database_url)
    assert exc.value.details["current"] == BEFORE

    assert await upgrade(database_url) == head_revision()
    assert await ensure_current(database_url) == head_revision()
    assert await _diff(database_url) == []
    rows = await _sql(database_url, "SELECT conversation_id, event FROM dialogue_events")
    assert len(rows) == 1 and rows[0][0] != 4242 and "hi" in str(rows[0][1])


async def test_downgrade_drops_it_and_upgrade_makes_it_again(sqlite_url: str) -> None:
    await upgrade(sqlite_url)
    assert await downgrade(sqlite_url, BEFORE) == BEFORE
    assert await _sql(sqlite_url, "SELECT name FROM sqlite_master "
                                  "WHERE name = 'dialogue_events'") == []
    assert await upgrade(sqlite_url) == head_revision()
    assert await _diff(sqlite_url) == []


def test_the_app_creates_no_tables() -> None:
    import bot.dialogue.store_sql as store_sql

    assert not hasattr(store_sql, "ensure_schema")
