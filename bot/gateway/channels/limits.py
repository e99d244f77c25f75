"""The channels' side of the input limits (``bot.inputs``): one customer message checked
and built the same way on every channel, and socket.io packets parsed with a depth limit.

A refused message raises ``InvalidInput`` naming the channel's own field (``sender`` on
REST, ``session_id`` on socket.io, ``text`` on the WebSocket); each channel reports it its
own way (a 400, an ``error`` event, an error frame), so nothing is dropped in silence.
"""

from __future__ import annotations

import json
from typing import Any

import socketio

from bot.inputs import (
    CLIENT_METADATA, MAX_JSON_DEPTH, InputLimits, check_metadata, check_sender, check_text, json_too_deep,
)
from bot.messages import UserMessage

# The event a socket.io packet nested too deeply becomes (its handler answers an error).
REJECTED_PACKET = "kefu_rejected_packet"


def chat_message(sender: Any, text: Any, metadata: Any, channel: str, limits: InputLimits,
                 *, sender_field: str = "sender", text_field: str = "message",
                 metadata_field: str = "metadata", client: str | None = None) -> UserMessage:
    """The customer's message, every field checked; ``InvalidInput`` names the bad one.
    ``client`` (the peer address, ``bot.gateway.client_ip``) goes into the metadata under
    ``CLIENT_METADATA``, replacing anything the customer put there."""
    return UserMessage(
        sender_id=check_sender(sender, sender_field, limits),
        text=check_text(text, text_field).strip(), channel=channel,
        metadata=with_client(check_metadata(metadata, metadata_field, limits), client))


def with_client(metadata: dict[str, Any], client: str | None) -> dict[str, Any]:
    """``metadata`` with the gateway's own ``CLIENT_METADATA`` (the customer's removed)."""
    from bot.gateway.ratelimit import client_key

    clean = {k: v for k, v in metadata.items() if k != CLIENT_METADATA}
    if client:
        clean[CLIENT_METADATA] = client_key(client)
    return clean


class _DepthCheckedJson:
    """A ``json`` module for python-socketio whose ``loads`` never recurses too deep: a
    payload nested deeper than the limit decodes as a ``REJECTED_PACKET`` event."""

    max_depth = MAX_JSON_DEPTH

    @staticmethod
    def dumps(*args: Any, **kwargs: Any) -> str:
        return json.dumps(*args, **kwargs)

    @classmethod
    def loads(cls, text: str | bytes, **kwargs: Any) -> Any:
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        if json_too_deep(raw, cls.max_depth):
            return [REJECTED_PACKET, {"max_depth": cls.max_depth}]
        return json.loads(raw, **kwargs)


class DepthCheckedPacket(socketio.packet.Packet):
    """socket.io packets decoded with ``_DepthCheckedJson`` (``AsyncServer(serializer=)``)."""

    json = _DepthCheckedJson
