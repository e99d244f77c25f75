"""Bulk loading for seeds, imports and benchmarks: executemany in chunks on one
connection, then (PostgreSQL) move id sequences past the explicit ids we inserted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.models import Base
from crm_core.models.customers import with_blind_indexes

CHUNK = 5_000


async def insert_rows(conn: AsyncConnection, table: Table | str,
                      rows: Sequence[dict[str, Any]], chunk: int = CHUNK) -> int:
    """Insert ``rows`` (dicts keyed by column) into ``table``; returns how many."""
    table = Base.metadata.tables[table] if isinstance(table, str) else table
    if table.name == "customers":
        # Core inserts bypass the mapper events: fill the blind indexes here (the PII
        # columns themselves encrypt in their type on the way in).
        rows = [with_blind_indexes(r) for r in rows]
    for start in range(0, len(rows), chunk):
        await conn.execute(table.insert(), list(rows[start:start + chunk]))
    return len(rows)


async def next_id(conn: AsyncConnection, table: str) -> int:
    """One past the largest id in ``table`` (1 when empty): where explicit ids may start."""
    t = Base.metadata.tables[table]
    return int((await conn.execute(select(func.coalesce(func.max(t.c.id), 0)))).scalar_one()) + 1


async def reset_sequences(conn: AsyncConnection, tables: Iterable[str] | None = None) -> None:
    """After inserting explicit ids on PostgreSQL, make SERIAL sequences continue after
    them (SQLite needs nothing: its rowid already does)."""
    if conn.dialect.name != "postgresql":
        return
    for name in tables or [t.name for t in Base.metadata.sorted_tables]:
        table = Base.metadata.tables[name]
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        await conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"))
