"""Bot messages on the wire: Rasa REST items, Rasa socket.io events, kefu's WebSocket."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.gateway import keys
from bot.messages import BotMessage, MessageHandler


def handler(app: web.Application) -> MessageHandler:
    """The message pipeline; 503 until the dialogue engine has started."""
    from crm_core.errors import ServiceUnavailable

    found = app.get(keys.MESSAGE_HANDLER)
    if found is None:
        raise ServiceUnavailable("the dialogue engine is not running")
    return found


def _buttons(message: BotMessage) -> list[dict[str, str]]:
    return [{"title": b.title, "payload": b.payload} for b in message.buttons]


def rest_items(recipient_id: str, messages: list[BotMessage]) -> list[dict[str, Any]]:
    """Rasa's REST channel reply: a text with buttons is one item, other texts are split
    on blank lines, an image / attachment / custom payload is an item of its own."""
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.text and message.buttons:
            items.append({"recipient_id": recipient_id, "text": message.text,
                          "buttons": _buttons(message)})
        elif message.text:
            items.extend({"recipient_id": recipient_id, "text": part}
                         for part in message.text.strip().split("\n\n") if part)
        elif message.buttons:
            items.append({"recipient_id": recipient_id, "text": "", "buttons": _buttons(message)})
        if message.image:
            items.append({"recipient_id": recipient_id, "image": message.image})
        if message.attachment is not None:
            items.append({"recipient_id": recipient_id, "attachment": message.attachment})
        if message.custom is not None:
            items.append({"recipient_id": recipient_id, "custom": message.custom})
    return items


def socketio_events(messages: list[BotMessage]) -> list[dict[str, Any]]:
    """Rasa socket.io ``bot_uttered`` payloads for ``messages``."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.text and message.buttons:
            out.append({"text": message.text, "quick_replies": [
                {"content_type": "text", "title": b.title, "payload": b.payload}
                for b in message.buttons
            ]})
        elif message.text:
            out.extend({"text": part} for part in message.text.strip().split("\n\n") if part)
        if message.image:
            out.append({"attachment": {"type": "image", "payload": {"src": message.image}}})
        if message.attachment is not None:
            out.append({"attachment": message.attachment})
        if message.custom is not None:
            out.append(message.custom)
    return out


def ws_message(message: BotMessage) -> dict[str, Any]:
    """One bot message on kefu's own WebSocket."""
    data: dict[str, Any] = {"type": "bot", "text": message.text, "buttons": _buttons(message)}
    if message.image:
        data["image"] = message.image
    if message.custom is not None:
        data["custom"] = message.custom
    if message.language:
        data["language"] = message.language
    return data
