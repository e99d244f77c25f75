"""Which exceptions mean "a dependency is down" rather than "kefu has a bug".

A refused, reset or timed-out connection to PostgreSQL, SQLite's file, or Redis surfaces
as a driver's own exception (often wrapped by SQLAlchemy). ``dependency_fault`` walks the
exception and its causes and names the dependency; ``bot.gateway.errors`` answers 503
with ``Retry-After`` for it instead of a 500.
"""

from __future__ import annotations

import socket
import sqlite3

from crm_core.errors import DependencyUnavailable

RETRY_AFTER_SECONDS = 5
# SQLite's own "not now" answers (any other OperationalError, e.g. a missing table, is a bug).
_SQLITE_BUSY = ("database is locked", "unable to open database file", "disk i/o error",
                "database or disk is full")


def dependency_fault(exc: BaseException) -> DependencyUnavailable | None:
    """The 503 error ``exc`` stands for when it (or a cause) is a lost dependency."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = _dependency(current)
        if name is not None:
            return DependencyUnavailable(name, retry_after=RETRY_AFTER_SECONDS)
        current = current.__cause__ or current.__context__
    return None


def _dependency(exc: BaseException) -> str | None:
    import redis.exceptions as redis_errors
    from sqlalchemy import exc as sa

    if isinstance(exc, redis_errors.ConnectionError | redis_errors.TimeoutError):
        return "redis"
    if isinstance(exc, sa.TimeoutError):  # no pooled connection came free in time
        return "database"
    if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
        return "database"
    if isinstance(exc, sqlite3.OperationalError):
        return "database" if str(exc).lower().startswith(_SQLITE_BUSY) else None
    if _is_asyncpg_connection_error(exc):
        return "database"
    if isinstance(exc, ConnectionError | socket.gaierror):
        # A driver's socket refused or reset before any wrapping (asyncpg's connect):
        # which driver it was is in the traceback.
        return _raised_inside(exc)
    return None


_DRIVERS = (("sqlalchemy", "database"), ("asyncpg", "database"), ("aiosqlite", "database"),
            ("redis", "redis"), ("limits", "redis"))


def _raised_inside(exc: BaseException) -> str | None:
    """The dependency whose driver code ``exc`` was raised in (innermost frame wins)."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        for prefix, dependency in _DRIVERS:
            if module == prefix or module.startswith(prefix + "."):
                found = dependency
        tb = tb.tb_next
    return found


def _is_asyncpg_connection_error(exc: BaseException) -> bool:
    try:
        import asyncpg.exceptions as pg
    except ImportError:  # PostgreSQL support not installed
        return False
    return isinstance(exc, pg.PostgresConnectionError | pg.CannotConnectNowError
                      | pg.TooManyConnectionsError
                      | pg.OperatorInterventionError)
