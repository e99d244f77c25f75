"""Rasa's REST channel, wire-exact: ``GET /webhooks/rest/`` and
``POST /webhooks/rest/webhook`` (see PROTOCOLS.md section 1)."""

from __future__ import annotations

import json

from aiohttp import web

from bot.gateway.channels.wire import handler, rest_items
from bot.messages import UserMessage
from crm_core.errors import InvalidInput

CHANNEL = "rest"


async def health(request: web.Request) -> web.Response:
    """Rasa's channel health check."""
    return web.json_response({"status": "ok"})


async def webhook(request: web.Request) -> web.Response:
    """One user message in, the bot's replies as Rasa's list of items out."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("the body must be JSON", details={"error": str(exc)}) from exc
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    sender = body.get("sender") or "default"
    message = body.get("message")
    metadata = body.get("metadata") or {}
    if not isinstance(sender, str) or len(sender) > 128:
        raise InvalidInput("sender must be a string of at most 128 characters",
                           details={"field": "sender"})
    if not isinstance(message, str):
        raise InvalidInput("message must be a string", details={"field": "message"})
    if not isinstance(metadata, dict):
        raise InvalidInput("metadata must be an object", details={"field": "metadata"})
    replies = await handler(request.app).handle(
        UserMessage(sender_id=sender, text=message.strip(), channel=CHANNEL, metadata=metadata))
    return web.json_response(rest_items(sender, replies))


def add_routes(app: web.Application) -> None:
    """Mount the REST channel."""
    app.router.add_get("/webhooks/rest/", health)
    app.router.add_post("/webhooks/rest/webhook", webhook)
