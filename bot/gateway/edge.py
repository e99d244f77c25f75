"""What every request passes before its view: path parameters that are proper Unicode
(a NUL in ``/orders/KF%00`` was a 500 on PostgreSQL; no row can have one, so it is a
404), a WebSocket handshake's ``Origin`` (``bot.gateway.origins``), then its client's rate
limit (``bot.gateway.ratelimit``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.gateway.origins import origin_check
from bot.gateway.ratelimit import rate_limit_middleware
from bot.inputs import unicode_problem
from crm_core.errors import NotFound


@web.middleware
async def edge_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Refuse path parameters no row can match and WebSockets from foreign pages, then
    count the request's rate limit."""
    for name, value in request.match_info.items():
        problem = unicode_problem(value)
        if problem is not None:
            raise NotFound(f"No such {name.removesuffix('_id')}: the {name} {problem}.",
                           details={name: value.encode("utf-8", "backslashreplace")
                                    .decode("ascii", "replace")})
    origin_check(request)
    return await rate_limit_middleware(request, handler)
