"""``dependency_fault``: lost connections are 503s; bugs that look alike stay 500s."""

from __future__ import annotations

import sqlite3

import redis.exceptions
from sqlalchemy import exc as sa

from bot.gateway.faults import dependency_fault


def wrapped(orig: Exception) -> sa.OperationalError:
    try:
        try:
            raise orig
        except Exception as e:
            raise sa.OperationalError("SELECT 1", {}, e) from e
    except sa.OperationalError as outer:
        return outer


def test_lost_dependencies_are_named() -> None:
    assert dependency_fault(redis.exceptions.ConnectionError("refused")).dependency == "redis"
    assert dependency_fault(redis.exceptions.TimeoutError("slow")).dependency == "redis"
    locked = wrapped(sqlite3.OperationalError("database is locked"))
    assert dependency_fault(locked).dependency == "database"
    assert dependency_fault(sa.TimeoutError("pool")).dependency == "database"


def test_bugs_are_not_outages() -> None:
    assert dependency_fault(wrapped(sqlite3.OperationalError("no such table: x"))) is None
    assert dependency_fault(ValueError("x")) is None
    assert dependency_fault(ConnectionRefusedError(111, "refused")) is None  # whose? unknown
