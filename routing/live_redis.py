"""``RedisLiveChatHub``: the live-chat hub for several workers, over a Redis stream.

The customer's chat socket and the agent's console may sit on different workers. Every
delivery is appended to one stream and each worker hands it to its own open feeds;
session changes (an agent took, resolved or dropped a conversation) are mirrored into each
worker's local table, so ``is_with_agent`` stays a cheap synchronous lookup. Messages are
appended in order by one writer task per worker.

A stream rather than pub/sub so that a Redis restart loses nothing: the hub's client
retries every command forever with redis-py's own exponential back-off (``Retry``), the
writer keeps what it could not append in its outbox meanwhile, and the reader goes on from
the last entry it read once Redis answers again, so entries another worker appended while
this one was reconnecting are still delivered. (Pub/sub drops whatever is published
while a subscriber is away.) The stream is trimmed to about ``max_entries``.
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
READ_BLOCK_MS = 5000  # one XREAD waits this long for news before asking again


class RedisLiveChatHub(LiveChatHub):
    """``LiveChatHub`` whose deliveries and sessions are shared through Redis."""

    def __init__(self, url: str, *, channel: str = "kefu:live",
                 csat_recorder: CsatRecorder | None = None, max_entries: int = 10_000,
                 backoff_cap: float = 1.0) -> None:
        super().__init__(csat_recorder)
        self._url, self._stream, self._max_entries = url, channel, max_entries
        self._backoff_cap = backoff_cap
        self._me = uuid.uuid4().hex
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._ready = asyncio.Event()  # the reader knows where it starts: the writer may go
        self._tasks: list[asyncio.Task[None]] = []
        self._redis: Any = None
        self._down = False
        self._stopping = False

    async def start(self) -> None:
        """Start the reader and writer tasks (they connect, and reconnect, on their own:
        the app starts even while Redis is down)."""
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialWithJitterBackoff

        # retries=-1: every command (the connect included) is retried until Redis answers,
        # waiting 50 ms, 100 ms, ... at most backoff_cap seconds between tries.
        def note_fault(error: Exception) -> bool:  # a function: from_url deep-copies Retry
            return self._note_fault(error)

        retry = Retry(ExponentialWithJitterBackoff(cap=self._backoff_cap, base=0.05),
                      retries=-1, is_retryable=note_fault)
        self._redis = aioredis.from_url(
            self._url, decode_responses=True, retry=retry,
            # Longer than a blocking read, so a silent half-open socket is noticed too.
            socket_timeout=READ_BLOCK_MS / 1000 + 5, socket_connect_timeout=5)
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._write())]

    async def stop(self) -> None:
        """Stop the tasks and close the connection."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        _, pending = await asyncio.wait(self._tasks, timeout=1.0) if self._tasks else ((), ())
        if self._redis is not None:
            # A blocking read that has been through a reconnect may outlive the cancel
            # inside redis-py: closing the client ends it (no retry once stopping).
            await self._redis.aclose()
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
                await asyncio.wait_for(task, READ_BLOCK_MS / 1000 + 5)

    @property
    def connected(self) -> bool:
        """False from a failed Redis command until the next one that succeeds."""
        return self._ready.is_set() and not self._down

    def _note_fault(self, error: Exception) -> bool:
        """Retry filter of the hub's client: log the first error of an outage, retry all
        (until the hub stops)."""
        if self._stopping:
            return False
        if not self._down:
            log.warning("live chat: Redis unreachable (%s); reconnecting with back-off", error)
            self._down = True
        return True

    def _recovered(self) -> None:
        if self._down:
            log.warning("live chat: Redis reachable again")
            self._down = False

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
        await self._ready.wait()
        while True:
            payload = await self._outbox.get()
            try:  # blocks (retrying) while Redis is down: the entry waits, in order
                await self._redis.xadd(self._stream, {"m": payload},
                                       maxlen=self._max_entries, approximate=True)
                self._recovered()
            except Exception:  # noqa: BLE001 - not a connection fault: logged, loop goes on
                if self._stopping:
                    return
                log.exception("live chat entry not appended")

    async def _read(self) -> None:
        # Start after whatever is in the stream now, by the server's clock: an entry
        # appended after this instant is read even if it comes while we reconnect.
        seconds, micros = await self._redis.time()
        last_id = f"{int(seconds) * 1000 + int(micros) // 1000}-0"
        self._ready.set()
        while True:
            try:
                batches = await self._redis.xread({self._stream: last_id}, count=500,
                                                  block=READ_BLOCK_MS)
            except Exception:  # noqa: BLE001 - e.g. the key holds another type: wait, retry
                if self._stopping:
                    return
                log.exception("live chat stream not read")
                await asyncio.sleep(self._backoff_cap)
                continue
            self._recovered()
            for _stream, entries in batches or ():
                for entry_id, fields in entries:
                    last_id = entry_id
                    self._apply_raw(fields.get("m"))

    def _apply_raw(self, data: str | None) -> None:
        try:
            self._apply(json.loads(data or "{}"))
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
