"""Rasa's REST channel, wire-exact: ``GET /webhooks/rest/`` and
``POST /webhooks/rest/webhook`` (see PROTOCOLS.md section 1)."""

from __future__ import annotations

from aiohttp import web

from bot.gateway import keys
from bot.gateway.bodies import read_json
from bot.gateway.channels.limits import chat_message
from bot.gateway.channels.wire import handler, rest_items
from bot.gateway.client_ip import client_ip
from bot.inputs import InputLimits
from crm_core.errors import InvalidInput

CHANNEL = "rest"


async def health(request: web.Request) -> web.Response:
    """Rasa's channel health check."""
    return web.json_response({"status": "ok"})


async def webhook(request: web.Request) -> web.Response:
    """One user message in, the bot's replies as Rasa's list of items out."""
    settings = request.app[keys.SETTINGS]
    body = await read_json(request, settings.max_chat_body_bytes, settings.max_json_depth)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    message = chat_message(body.get("sender") or "default", body.get("message"),
                           body.get("metadata"), CHANNEL, InputLimits.from_settings(settings),
                           client=client_ip(request))
    replies = await handler(request.app).handle(message)
    return web.json_response(rest_items(message.sender_id, replies))


def add_routes(app: web.Application) -> None:
    """Mount the REST channel."""
    app.router.add_get("/webhooks/rest/", health)
    app.router.add_post("/webhooks/rest/webhook", webhook)
