"""One lock per sender so a conversation's messages are processed in arrival order.

In one process an ``asyncio.Lock`` per sender is enough (dropped when nobody waits);
with several workers the lock lives in Redis (``settings.redis_url``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol


class SenderLocks(Protocol):
    """``async with locks.hold(sender_id):`` serialises one sender's turns."""

    def hold(self, sender_id: str) -> Any: ...


class LocalSenderLocks:
    """asyncio locks, created on demand and forgotten when released and unwaited."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, sender_id: str) -> AsyncIterator[None]:
        """Wait for and hold the sender's lock."""
        lock, users = self._locks.get(sender_id, (asyncio.Lock(), 0))
        self._locks[sender_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[sender_id]
            if users <= 1:
                del self._locks[sender_id]
            else:
                self._locks[sender_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class RedisSenderLocks:
    """Redis locks shared by all workers; a crashed holder's lock expires after ``ttl``."""

    def __init__(self, client: Any, ttl: float = 30.0, wait: float = 30.0,
                 prefix: str = "kefu:lock:sender:") -> None:
        self._client, self._ttl, self._wait, self._prefix = client, ttl, wait, prefix

    @asynccontextmanager
    async def hold(self, sender_id: str) -> AsyncIterator[None]:
        """Wait (at most ``wait`` s) for and hold the sender's Redis lock."""
        from crm_core.errors import ServiceUnavailable

        lock = self._client.lock(self._prefix + sender_id, timeout=self._ttl,
                                 blocking_timeout=self._wait)
        if not await lock.acquire():
            raise ServiceUnavailable("the conversation is busy; try again",
                                     details={"sender_id": sender_id})
        try:
            yield
        finally:
            try:
                await lock.release()
            except Exception:  # noqa: BLE001 - expired meanwhile: nothing left to release
                pass
