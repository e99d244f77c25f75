"""Rasa's socket.io channel (botfront/rasa-webchat and similar widgets), PROTOCOLS.md §2.

python-socketio's ``AsyncServer`` is attached to the aiohttp app at ``/socket.io``.
Events: ``session_request`` -> ``session_confirm`` (bare session id, room joined);
``user_uttered`` -> ``bot_uttered`` per text part / quick replies / image.
After a handoff, the agent side reaches the widget as ``bot_uttered`` ("Ana has joined",
"Ana: ...", "Ana has resolved", the rating request as quick replies) and the customer's
messages reach the agent (``routing.live``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from typing import Any

import socketio
from aiohttp import web

from bot.dialogue.handoff import live_message
from bot.gateway import keys
from bot.gateway.channels.limits import REJECTED_PACKET, DepthCheckedPacket, chat_message
from bot.gateway.channels.wire import handler, socketio_events
from bot.gateway.client_ip import client_ip
from bot.gateway.errors import error_body, frame_error
from bot.gateway.origins import policy_of
from bot.gateway.ratelimit import check_chat
from bot.inputs import InputLimits, check_sender
from crm_core.errors import InvalidInput, SessionMismatch

log = logging.getLogger(__name__)
CHANNEL = "socketio"


def _session_id(data: Any) -> str:
    """The session id asked for, when it is a proper one (``bot.inputs.check_sender``);
    otherwise a new one, which ``session_confirm`` tells the widget."""
    value = data.get("session_id") if isinstance(data, dict) else None
    try:
        return check_sender(value, "session_id")
    except InvalidInput:
        return uuid.uuid4().hex


def bound_session(saved: dict[str, Any], asked: Any) -> str:
    """The session a socket's ``user_uttered`` belongs to: the one its ``session_request``
    confirmed. Naming another one is refused (``SessionMismatch``): a socket speaks only
    in its own conversation, whatever ids it has learnt. A socket that never asked for a
    session must ask first (the widgets always do) before it may name one."""
    bound = saved.get("session_id")
    if bound is None:
        raise SessionMismatch("Ask for a session (session_request) before sending messages.",
                              details={"field": "session_id"})
    if asked not in (None, "", bound):
        raise SessionMismatch("This connection belongs to another session.",
                              details={"field": "session_id"})
    return str(bound)


def attach_socketio(app: web.Application) -> socketio.AsyncServer:
    """Create the socket.io server on ``app`` and register the Rasa events."""
    # The widget may be embedded on the sites listed in KEFU_CORS_ORIGINS, no others
    # (bot/gateway/origins.py); engine.io answers CORS for those and refuses the rest.
    sio = socketio.AsyncServer(async_mode="aiohttp",
                               cors_allowed_origins=policy_of(app).engineio_check,
                               cors_credentials=False,
                               serializer=DepthCheckedPacket)  # JSON depth-limited
    sio.attach(app, socketio_path="socket.io")
    limits = InputLimits.from_settings(app[keys.SETTINGS])

    live: dict[str, asyncio.Task[None]] = {}

    async def forward_agent_side(hub: Any, session_id: str, sid: str) -> None:
        """The agent side as ``bot_uttered``: who joined, their messages, the end of the
        conversation and the rating request (quick replies), as on every other channel."""
        async with hub.customer_feed(session_id) as feed:
            async for event in feed:
                message = live_message(event, "en")
                if message is None:
                    continue
                for payload in socketio_events([replace(message, custom=None)]):
                    await sio.emit("bot_uttered", payload, room=sid)

    @sio.on("session_request")
    async def session_request(sid: str, data: Any = None) -> None:
        session_id = _session_id(data)
        await sio.enter_room(sid, session_id)
        await sio.save_session(sid, {"session_id": session_id})
        await sio.emit("session_confirm", session_id, room=sid)
        hub = app.get(keys.LIVE_CHAT)
        if hub is not None:
            if sid in live:
                live.pop(sid).cancel()
            live[sid] = asyncio.create_task(forward_agent_side(hub, session_id, sid))

    @sio.on("disconnect")
    async def disconnect(sid: str, *args: Any) -> None:
        task = live.pop(sid, None)
        if task is not None:
            task.cancel()

    @sio.on("user_uttered")
    async def user_uttered(sid: str, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        saved = await sio.get_session(sid)
        request = sio.get_environ(sid).get("aiohttp.request")
        metadata = data.get("metadata") or data.get("customData") or {}
        text = data.get("message")
        try:
            session_id = bound_session(saved, data.get("session_id"))
            message = chat_message(session_id, text, metadata, CHANNEL, limits,
                                   sender_field="session_id",
                                   client=client_ip(request) if request is not None else None)
            await check_chat(app, request)
            replies = await handler(app).handle(message)
        except Exception as exc:  # noqa: BLE001 - mapped once, in bot/gateway/errors.py
            body = frame_error(exc, "socket.io user_uttered")
            await sio.emit("error", body, room=sid)
            await sio.emit("bot_uttered", {"text": body["error"]["message"]}, room=sid)
            return
        for payload in socketio_events(replies):
            await sio.emit("bot_uttered", payload, room=session_id)

    @sio.on(REJECTED_PACKET)
    async def rejected_packet(sid: str, data: Any = None) -> None:
        depth = data.get("max_depth") if isinstance(data, dict) else None
        exc = InvalidInput(f"The message is nested deeper than {depth} levels.",
                           details={"max_depth": depth})
        await sio.emit("error", error_body(exc.code, exc.message, exc.details), room=sid)
        await sio.emit("bot_uttered", {"text": exc.message}, room=sid)

    return sio
