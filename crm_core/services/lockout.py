"""Failure counters with lockouts that double: the core both guards share.

Rows are ``IdentityGuard`` (one per ``(scope, key_hash)``, the key a SHA-256 of the
normalised value, never the value itself). ``max failures within window`` lock a key for
``lockout``, twice as long after each further lockout, up to ``max_lockout``. The
customer identity check (``identity_guard``: scopes "email" and "client") and the agent
sign-in (``agents.authenticate``: scopes "agent_login" and "login_client") count here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from crm_core.models import IdentityGuard
from crm_core.unit_of_work import UnitOfWork

Key = tuple[str, str]  # (scope, key_hash)
Rows = dict[Key, IdentityGuard]


class LockoutPolicy(Protocol):
    """How many failures a key of each scope may have per window, and lockout lengths."""

    window: timedelta

    def limit(self, scope: str) -> int:
        """The failures allowed for a key of ``scope`` within one window."""
        ...

    def lockout_for(self, lockouts_before: int) -> timedelta:
        """The length of the next lockout after ``lockouts_before`` earlier ones."""
        ...


def doubled(lockout: timedelta, lockouts_before: int, cap: timedelta) -> timedelta:
    """``lockout`` doubled per earlier lockout, capped at ``cap``."""
    return min(lockout * (2 ** min(lockouts_before, 30)), cap)


def key_hash(scope: str, value: str) -> str:
    """The stored form of a key (no email or address is kept in clear)."""
    return hashlib.sha256(f"{scope}:{value}".encode()).hexdigest()


def retry_after(rows: Rows, now: datetime) -> int | None:
    """Seconds until every locked key among ``rows`` is free again; None if none is."""
    waits = [max(1, int((r.locked_until - now).total_seconds() + 0.999))
             for r in rows.values() if r.locked_until is not None and r.locked_until > now]
    return max(waits) if waits else None


async def lock_rows(uow: UnitOfWork, keys: Sequence[Key]) -> Rows:
    """The existing rows of ``keys``, locked for the open transaction."""
    return await uow.identity_guards.for_update(keys)


def forget(rows: Rows, key: Key, now: datetime) -> None:
    """The owner proved themselves: ``key`` starts afresh (no failures, no lockouts)."""
    row = rows.get(key)
    if row is not None:
        row.failures, row.lockouts = 0, 0
        row.locked_until, row.updated_at = None, now


def count_failure(uow: UnitOfWork, rows: Rows, keys: Sequence[Key], policy: LockoutPolicy,
                  now: datetime) -> list[tuple[str, str, timedelta]]:
    """One failure against every key; returns ``(scope, key_hash, length)`` of each
    lockout this failure started (the caller audits them and commits)."""
    started = []
    for scope, hashed in keys:
        row = rows.get((scope, hashed))
        if row is None:
            row = IdentityGuard(scope=scope, key_hash=hashed, failures=0,
                                window_start=now, lockouts=0, updated_at=now)
            uow.identity_guards.add(row)
            rows[(scope, hashed)] = row
        if row.window_start + policy.window <= now:
            row.failures, row.window_start = 0, now
        row.failures += 1
        row.updated_at = now
        if row.failures >= policy.limit(scope):
            length = policy.lockout_for(row.lockouts)
            row.locked_until = now + length
            row.lockouts += 1
            row.failures, row.window_start = 0, now
            started.append((scope, hashed, length))
    return started
