"""Database engine for the CRM: SQLite (embedded, WAL, foreign keys on) or PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Deleted or overwritten rows (erased customers, plaintext replaced by ciphertext)
    # are zeroed on disk instead of lingering in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def ensure_private_file(path: Path) -> None:
    """Create ``path`` (and its folder) readable by the owner only, or tighten an existing
    one to 0600: the database holds PII and password hashes. SQLite gives its -wal and
    -shm files the database file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if extra.exists() and extra.stat().st_mode & 0o077:
            extra.chmod(0o600)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; for SQLite the file's folder is created and pragmas set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            ensure_private_file(Path(parsed.database))
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
