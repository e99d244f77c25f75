"""``RedisLiveChatHub``: the live-chat hub for several workers, over Redis pub/sub.

The customer's chat socket and the agent's console may sit on different workers. Every
delivery is published on one channel and each worker hands it to its own open feeds;
session changes (an agent took, resolved or dropped a conversation) are mirrored into each
worker's local table, so ``is_with_agent`` stays a cheap synchronous lookup. Messages are
published in order by one writer task per worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import asdict
from typing import Any

from routing.live import CsatRecorder, LiveChatHub, LiveEvent, LiveSession

log = logging.getLogger(__name__)


class RedisLiveChatHub(LiveChatHub):
    """``LiveChatHub`` whose deliveries and sessions are shared through Redis."""

    def __init__(self, url: str, *, channel: str = "kefu:live",
                 csat_recorder: CsatRecorder | None = None) -> None:
        super().__init__(csat_recorder)
        self._url, self._channel = url, channel
        self._me = uuid.uuid4().hex
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._redis: Any = None

    async def start(self) -> None:
        """Connect, subscribe, and start the reader and writer tasks."""
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(self._url, decode_responses=True)
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._channel)
        self._tasks = [asyncio.create_task(self._read(pubsub)),
                       asyncio.create_task(self._write())]

    async def stop(self) -> None:
        """Stop the tasks and close the connection."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._redis is not None:
            await self._redis.aclose()

    # --- deliveries go through Redis ----------------------------------------------------
    def to_customer(self, sender_id: str, event: LiveEvent) -> None:
        """Deliver on whichever worker holds this customer's chat."""
        self._send({"op": "customer", "target": sender_id, "event": event.to_dict()})

    def to_agent(self, agent_id: int, event: LiveEvent) -> None:
        """Deliver on whichever worker holds this agent's console."""
        self._send({"op": "agent", "target": agent_id, "event": event.to_dict()})

    def to_all_agents(self, event: LiveEvent) -> None:
        """Deliver to every console on every worker."""
        self._send({"op": "all", "event": event.to_dict()})

    # --- session changes are mirrored -------------------------------------------------------
    def open(self, session: LiveSession) -> None:
        """Open locally and on every other worker."""
        super().open(session)
        self._send({"op": "open", "session": asdict(session)})

    def close(self, sender_id: str, *, ask_csat: bool = True) -> LiveSession | None:
        """Close locally and on every other worker."""
        session = super().close(sender_id, ask_csat=ask_csat)
        if session is not None:
            self._send({"op": "close", "session": asdict(session), "ask_csat": ask_csat})
        return session

    def drop(self, sender_id: str) -> LiveSession | None:
        """Forget locally and on every other worker."""
        session = super().drop(sender_id)
        self._send({"op": "drop", "sender_id": sender_id})
        return session

    async def submit_csat(self, sender_id: str, score: int, comment: str | None = None) -> None:
        """Rate once; the other workers forget the pending rating too."""
        await super().submit_csat(sender_id, score, comment)
        self._send({"op": "rated", "sender_id": sender_id})

    # --- plumbing ---------------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        self._outbox.put_nowait(json.dumps(message | {"from": self._me}))

    async def _write(self) -> None:
        while True:
            payload = await self._outbox.get()
            try:
                await self._redis.publish(self._channel, payload)
            except Exception:  # noqa: BLE001 - a lost event is logged; the loop goes on
                log.exception("live chat publish failed")

    async def _read(self, pubsub: Any) -> None:
        async for raw in pubsub.listen():
            if raw.get("type") != "message":
                continue
            try:
                self._apply(json.loads(raw["data"]))
            except Exception:  # noqa: BLE001 - one bad message must not stop the reader
                log.exception("live chat message not applied")

    def _apply(self, message: dict[str, Any]) -> None:
        op = message["op"]
        if op in ("customer", "agent", "all"):
            event = LiveEvent.from_dict(message["event"])
            if op == "customer":
                self._local_customer(message["target"], event)
            elif op == "agent":
                self._local_agent(int(message["target"]), event)
            else:
                self._local_all(event)
            return
        if message.get("from") == self._me:
            return  # our own session change, already applied
        if op == "open":
            session = LiveSession(**message["session"])
            self._sessions[session.sender_id] = session
        elif op == "close":
            session = LiveSession(**message["session"])
            self._sessions.pop(session.sender_id, None)
            if message.get("ask_csat"):
                self._rating[session.sender_id] = session
        elif op == "drop":
            self._sessions.pop(message["sender_id"], None)
        elif op == "rated":
            self._rating.pop(message["sender_id"], None)
