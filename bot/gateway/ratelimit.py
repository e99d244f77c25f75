"""Per-client rate limits: chat messages, agent sign-in, the REST API, WebSocket frames.

Counted with the ``limits`` library (sliding-window counters) in this process's memory, or
in Redis when ``KEFU_REDIS_URL`` is set so every worker shares the counters. A client is
its address (``bot.gateway.client_ip``); IPv6 clients count per /64, the block one
subscriber gets. Over a limit the caller gets ``RateLimited`` (429 with ``Retry-After``,
mapped in ``bot.gateway.errors``). If Redis fails, requests are let through (logged): a
limiter outage must not take chat down with it.

``rate_limit_middleware`` applies ``api`` to ``/api/`` and ``/console/api/``, ``login`` to
the sign-in, ``chat`` to the Rasa REST webhook and voice turns; the socket.io and WebSocket
channels call ``check_chat`` per message and ``check_frame`` per frame.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot.gateway import keys
from bot.gateway.client_ip import client_ip
from crm_core.errors import RateLimited

log = logging.getLogger(__name__)

LOGIN_PATH = "/api/v1/auth/login"
CHAT_PATHS = ("/webhooks/rest/webhook", "/voice/turn")
API_PREFIXES = ("/api/", "/console/api/")
# Not limited per address: Twilio signs its requests and calls from a few addresses only.
EXEMPT_PATHS = ("/voice/twilio", "/health")
_WHAT = {"chat": "messages", "login": "sign-in attempts", "api": "requests",
         "ws_frames": "frames on this connection"}


def client_key(address: str) -> str:
    """The counter key of a client address: IPv6 by its /64, anything else as is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address


class RateLimits:
    """The limits of one app (``keys.RATE_LIMITS``), on one storage."""

    def __init__(self, settings: Any, storage: Any = None) -> None:
        from limits import parse_many
        from limits.aio.storage import MemoryStorage
        from limits.aio.strategies import SlidingWindowCounterRateLimiter

        self.storage = storage if storage is not None else MemoryStorage()
        self._limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.rules = {
            scope: parse_many(spec) if spec else []
            for scope, spec in (("chat", settings.rate_limit_chat),
                                ("login", settings.rate_limit_login),
                                ("api", settings.rate_limit_api))
        }
        self._failing_since: float | None = None
        # Frames per WebSocket connection: always counted here (a connection lives here).
        self._frames = parse_many(settings.rate_limit_ws_frames) \
            if settings.rate_limit_ws_frames else []
        self._local = MemoryStorage()
        self._frame_limiter = SlidingWindowCounterRateLimiter(self._local)

    async def hit(self, scope: str, client: str) -> None:
        """Count one ``scope`` request of ``client``; ``RateLimited`` when over a limit."""
        for item in self.rules.get(scope, ()):
            try:
                allowed = await self._limiter.hit(item, scope, client_key(client))
                if allowed:
                    continue
                stats = await self._limiter.get_window_stats(item, scope, client_key(client))
            except Exception as exc:  # noqa: BLE001 - fail open, see the module docstring
                self._storage_failed(exc)
                return
            self._failing_since = None
            retry = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(
                f"Too many {_WHAT.get(scope, 'requests')} from your address ({item}); "
                f"try again in {retry} s.",
                retry_after=retry, details={"limit": str(item), "scope": scope})

    async def hit_frame(self, connection: str) -> None:
        """Count one frame of a WebSocket ``connection``; ``RateLimited`` when over."""
        for item in self._frames:
            if not await self._frame_limiter.hit(item, "ws_frames", connection):
                stats = await self._frame_limiter.get_window_stats(item, "ws_frames",
                                                                   connection)
                retry = max(1, math.ceil(stats.reset_time - time.time()))
                raise RateLimited(
                    f"Too many frames on this connection ({item}); try again in {retry} s.",
                    retry_after=retry, details={"limit": str(item), "scope": "ws_frames"})

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._failing_since is None or now - self._failing_since > 60:
            log.warning("rate-limit storage failed (%s: %s); letting requests through",
                        type(exc).__name__, exc)
            self._failing_since = now

    async def close(self) -> None:
        """Stop the memory storage's expiry task / close the Redis connection."""
        for storage in (self.storage, self._local):
            timer = getattr(storage, "timer", None)
            if timer is not None and not timer.done():
                timer.cancel()
        bridge = getattr(self.storage, "bridge", None)
        connection = getattr(bridge, "storage", None)
        if connection is not None and hasattr(connection, "aclose"):
            await connection.aclose()


def scope_of(request: web.Request) -> str | None:
    """Which limit a request counts against (``None``: not limited here)."""
    path = request.path
    if path in EXEMPT_PATHS or request.method == "OPTIONS":
        return None
    if path == LOGIN_PATH:
        return "login"
    if path in CHAT_PATHS and request.method == "POST":
        return "chat"
    if path.startswith(API_PREFIXES):
        return "api"
    return None


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Count the request against its scope's limit before the view runs."""
    limits = request.config_dict.get(keys.RATE_LIMITS)
    scope = scope_of(request) if limits is not None else None
    if scope is not None:
        await limits.hit(scope, client_ip(request))  # type: ignore[union-attr]
    return await handler(request)


async def check_chat(app: web.Application, request: web.Request | None) -> None:
    """Count one chat message of the client behind ``request`` (socket.io, WebSocket)."""
    limits = app.get(keys.RATE_LIMITS)
    if limits is not None and request is not None:
        await limits.hit("chat", client_ip(request))


async def check_frame(app: web.Application, connection: str) -> None:
    """Count one frame of a chat WebSocket ``connection`` (any unique id of it)."""
    limits = app.get(keys.RATE_LIMITS)
    if limits is not None:
        await limits.hit_frame(connection)


async def rate_limits_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the limits' storage for the app's life (Redis when ``redis_url`` is set)."""
    settings = app[keys.SETTINGS]
    storage = None
    if settings.redis_url:
        from limits.aio.storage import RedisStorage

        storage = RedisStorage(f"async+{settings.redis_url}", implementation="redispy",
                               key_prefix="kefu:ratelimit", wrap_exceptions=True,
                               socket_timeout=1.0, socket_connect_timeout=1.0)
    limits = RateLimits(settings, storage)
    app[keys.RATE_LIMITS] = limits
    yield
    await limits.close()


def setup_rate_limits(app: web.Application) -> None:
    """Register the limits' storage (the middleware is in ``create_app``'s list)."""
    app.cleanup_ctx.append(rate_limits_ctx)
