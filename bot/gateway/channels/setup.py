"""``setup_channels(app)``: every chat channel's routes, all feeding
``keys.MESSAGE_HANDLER``."""

from __future__ import annotations

from aiohttp import web

from bot.gateway.channels import page, rest, websocket
from bot.gateway.channels.socketio import attach_socketio
from bot.gateway.origins import setup_widget_cors


def setup_channels(app: web.Application) -> None:
    """Mount the Rasa REST channel, socket.io, ``/ws/chat`` and the chat page."""
    rest.add_routes(app)
    websocket.add_routes(app)
    attach_socketio(app)
    page.add_routes(app)
    setup_widget_cors(app)  # preflight + CORS for KEFU_CORS_ORIGINS on the REST webhook
