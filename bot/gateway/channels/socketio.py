"""Rasa's socket.io channel (botfront/rasa-webchat and similar widgets), PROTOCOLS.md §2.

python-socketio's ``AsyncServer`` is attached to the aiohttp app at ``/socket.io``.
Events: ``session_request`` -> ``session_confirm`` (bare session id, room joined);
``user_uttered`` -> ``bot_uttered`` per text part / quick replies / image.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import socketio
from aiohttp import web

from bot.gateway.channels.wire import handler, socketio_events
from bot.gateway.errors import error_body
from bot.messages import UserMessage
from crm_core.errors import KefuError

log = logging.getLogger(__name__)
CHANNEL = "socketio"


def _session_id(data: Any) -> str:
    value = data.get("session_id") if isinstance(data, dict) else None
    return str(value) if value else uuid.uuid4().hex


def attach_socketio(app: web.Application) -> socketio.AsyncServer:
    """Create the socket.io server on ``app`` and register the Rasa events."""
    # Like Rasa: no CORS check, the widget is meant to be embedded on other sites.
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=[])
    sio.attach(app, socketio_path="socket.io")

    @sio.on("session_request")
    async def session_request(sid: str, data: Any = None) -> None:
        session_id = _session_id(data)
        await sio.enter_room(sid, session_id)
        await sio.save_session(sid, {"session_id": session_id})
        await sio.emit("session_confirm", session_id, room=sid)

    @sio.on("user_uttered")
    async def user_uttered(sid: str, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        saved = await sio.get_session(sid)
        session_id = str(data.get("session_id") or saved.get("session_id") or sid)
        metadata = data.get("metadata") or data.get("customData") or {}
        text = data.get("message")
        try:
            replies = await handler(app).handle(UserMessage(
                sender_id=session_id, text=text if isinstance(text, str) else "",
                channel=CHANNEL, metadata=metadata if isinstance(metadata, dict) else {}))
        except KefuError as exc:
            await sio.emit("error", error_body(exc.code, exc.message, exc.details), room=sid)
            await sio.emit("bot_uttered", {"text": exc.message}, room=sid)
            return
        for payload in socketio_events(replies):
            await sio.emit("bot_uttered", payload, room=session_id)

    return sio
