"""kefu's own chat WebSocket at ``/ws/chat`` (what the web chat page speaks).

Client frames (JSON): ``{"type": "hello", "session_id"?, "metadata"?}`` then
``{"type": "message", "text", "metadata"?}``. Server frames: ``{"type": "session",
"session_id", "history": [...]}`` (also before the first answer when no hello came), per
message ``{"type": "typing", "on": true}``, the ``{"type": "bot", "text", "buttons", ...}``
replies, ``{"type": "typing", "on": false}``; and ``{"type": "error", "error": {code,
message, details}}`` instead for a rejected message.
A bad frame gets an error frame; the connection stays open.

After a handoff the socket also carries the live chat with the agent (``routing.live``,
at ``keys.LIVE_CHAT``): the agent side's events are forwarded as they come (``{"type":
"queued" | "agent_joined" | "agent" | "closed" | "csat_request", ...}``), the customer's
messages reach the agent while one holds the conversation (the engine still records
them), and ``{"type": "csat", "score", "comment"?}`` rates the agent's conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from bot.gateway import keys
from bot.gateway.channels.limits import with_client
from bot.gateway.channels.wire import handler, ws_message
from bot.gateway.client_ip import client_ip
from bot.gateway.errors import frame_error
from bot.gateway.ratelimit import check_chat, check_frame
from bot.inputs import InputLimits, check_metadata, check_text, loads
from bot.messages import UserMessage
from crm_core.errors import InvalidInput, SessionMismatch

log = logging.getLogger(__name__)
CHANNEL = "web"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Frames above this are refused by aiohttp itself; texts are bounded by the engine.
MAX_FRAME_BYTES = 256 * 1024


def _session_id(value: Any) -> str:
    if isinstance(value, str) and _SESSION_ID.match(value):
        return value
    return uuid.uuid4().hex


class ChatSession:
    """One WebSocket connection's state."""

    def __init__(self, app: web.Application, ws: web.WebSocketResponse,
                 request: web.Request | None = None) -> None:
        self.app, self.ws, self.request = app, ws, request
        self.limits = InputLimits.from_settings(app[keys.SETTINGS])
        self.connection_id = uuid.uuid4().hex  # counts this connection's frames
        self.session_id: str | None = None
        self.metadata: dict[str, Any] = {}
        self._live: asyncio.Task[None] | None = None

    def _follow_agent_side(self) -> None:
        """Forward the agent side's events for this session until the socket closes."""
        hub = self.app.get(keys.LIVE_CHAT)
        if hub is None or self.session_id is None:
            return
        if self._live is not None:
            self._live.cancel()
        self._live = asyncio.create_task(self._forward(hub, self.session_id))

    async def _forward(self, hub: Any, session_id: str) -> None:
        async with hub.customer_feed(session_id) as feed:
            async for event in feed:
                if self.ws.closed:
                    return
                await self.ws.send_json(event.to_wire())

    async def close(self) -> None:
        """Stop forwarding (the socket is gone)."""
        if self._live is not None:
            self._live.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._live

    async def csat(self, frame: dict[str, Any]) -> None:
        """The customer's rating of the conversation an agent just closed."""
        hub = self.app.get(keys.LIVE_CHAT)
        score = frame.get("score")
        if hub is None or self.session_id is None:
            raise InvalidInput("there is no agent conversation to rate")
        comment = frame.get("comment")
        await hub.submit_csat(self.session_id, score,
                              comment if isinstance(comment, str) else None)
        await self.ws.send_json({"type": "csat_ok"})

    async def hello(self, frame: dict[str, Any]) -> None:
        """Start or resume a session and send its history."""
        resumed = frame.get("session_id")
        metadata = check_metadata(frame.get("metadata"), "metadata", self.limits)
        if self.session_id is not None and resumed not in (None, "", self.session_id):
            # One connection, one session: a socket never speaks for another conversation.
            raise SessionMismatch("This connection belongs to another session.",
                                  details={"field": "session_id"})
        self.session_id = _session_id(resumed)
        if metadata:
            self.metadata = metadata
        engine = handler(self.app)
        # A session id made just now has no history: no need to look it up.
        history = await engine.history(self.session_id, CHANNEL) if (
            hasattr(engine, "history") and resumed == self.session_id) else []
        await self.ws.send_json({"type": "session", "session_id": self.session_id,
                                 "history": history})
        self._follow_agent_side()

    async def message(self, frame: dict[str, Any]) -> None:
        """Handle one user message, with a typing indicator around the answer."""
        if self.session_id is None:
            await self.hello({})
        text = check_text(frame.get("text"), "text")
        metadata = check_metadata({**self.metadata, **check_metadata(
            frame.get("metadata"), "metadata", self.limits)}, "metadata", self.limits)
        engine = handler(self.app)
        if hasattr(engine, "check_text"):
            engine.check_text(text)  # a rejected message gets its error frame, no typing
        await check_chat(self.app, self.request)
        await self.ws.send_json({"type": "typing", "on": True})
        try:
            replies = await engine.handle(UserMessage(
                sender_id=self.session_id or "", text=text, channel=CHANNEL,
                metadata=with_client(metadata, client_ip(self.request)
                                     if self.request is not None else None)))
            for reply in replies:
                await self.ws.send_json(ws_message(reply))
        finally:
            # Always last: the client knows the bot's turn is over.
            await self.ws.send_json({"type": "typing", "on": False})

    async def dispatch(self, raw: str) -> None:
        """Parse and route one frame; errors become error frames."""
        try:
            await check_frame(self.app, self.connection_id)
            frame = loads(raw, max_depth=self.limits.max_json_depth, field="frame")
            if not isinstance(frame, dict):
                raise InvalidInput("frames must be JSON objects")
            kind = frame.get("type")
            if kind == "hello":
                await self.hello(frame)
            elif kind == "message":
                await self.message(frame)
            elif kind == "csat":
                await self.csat(frame)
            elif kind == "ping":
                await self.ws.send_json({"type": "pong"})
            else:
                raise InvalidInput(f"unknown frame type {kind!r}",
                                   details={"allowed": ["hello", "message", "csat", "ping"]})
        except Exception as exc:  # noqa: BLE001 - keep the connection; mapped in errors.py
            await self.ws.send_json({"type": "error", **frame_error(exc, "chat frame")})


async def chat_ws(request: web.Request) -> web.WebSocketResponse:
    """The chat WebSocket endpoint."""
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_FRAME_BYTES)
    await ws.prepare(request)
    session = ChatSession(request.app, ws, request)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await session.dispatch(msg.data)
            elif msg.type == WSMsgType.ERROR:
                log.info("chat socket closed with %s", ws.exception())
    finally:
        await session.close()
    return ws


def add_routes(app: web.Application) -> None:
    """Mount ``/ws/chat``."""
    app.router.add_get("/ws/chat", chat_ws)


