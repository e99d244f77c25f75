"""Request bodies read with a size limit and parsed as JSON with ``bot.inputs.loads``
(depth-checked, proper Unicode), so no body can cost memory beyond its limit or a 500."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.inputs import MAX_JSON_DEPTH, loads
from crm_core.errors import TooLarge

_CHUNK = 64 * 1024


def _too_large(max_bytes: int, length: int | None = None) -> TooLarge:
    details: dict[str, Any] = {"max_bytes": max_bytes}
    if length is not None:
        details["bytes"] = length
    return TooLarge(f"The request body is larger than {max_bytes:,} bytes.", details=details)


async def read_limited(request: web.Request, max_bytes: int) -> bytes:
    """The body, or ``TooLarge`` (413) as soon as it passes ``max_bytes`` (a declared
    Content-Length over the limit is refused before anything is read)."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise _too_large(max_bytes, length)
    body = bytearray()
    while chunk := await request.content.read(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise _too_large(max_bytes)
    return bytes(body)


async def read_json(request: web.Request, max_bytes: int,
                    max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The body parsed as JSON within these limits (``InvalidInput`` / ``TooLarge``)."""
    return loads(await read_limited(request, max_bytes), max_depth=max_depth)
