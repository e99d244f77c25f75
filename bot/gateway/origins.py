"""Which web pages may talk to kefu from a browser: the same origin, and ``cors_origins``.

A browser sends ``Origin`` with every WebSocket handshake and cross-site request, and
runs a page's script with the visitor's cookies and network position; without a check,
any site could open the console's or the chat's WebSocket (cross-site WebSocket
hijacking). kefu allows its own origin always and other sites only when listed in
``KEFU_CORS_ORIGINS`` (empty by default: closed). Clients that send no ``Origin`` (curl,
a server-side integration, a mobile app) are not browsers acting for a visitor and pass.

* WebSockets (``/ws/chat``, ``/console/ws``, socket.io's transport): ``origin_check`` in the
  edge middleware refuses a handshake from another origin with 403.
* socket.io's polling transport: python-engineio's own ``cors_allowed_origins`` check,
  given ``OriginPolicy.engineio_check``.
* The Rasa REST webhook: preflight and CORS headers by aiohttp-cors, for the listed
  origins only (``setup_widget_cors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from bot.gateway import keys
from crm_core.errors import Forbidden

# The widget endpoints another site's page may call (besides socket.io).
WIDGET_PATHS = ("/webhooks/rest/webhook",)


def normalise_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case; ``ValueError`` for anything else."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
            or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{value!r} is not an origin such as https://shop.example.com")
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True, slots=True)
class OriginPolicy:
    """The same origin plus ``allowed`` (normalised origins)."""

    allowed: frozenset[str] = frozenset()

    def allows(self, origin: str | None, host: str | None) -> bool:
        """True for no ``Origin``, the page's own host, or a listed origin."""
        if origin is None:
            return True
        origin = origin.strip().lower()
        if origin in self.allowed:
            return True
        # Same origin: the Origin's host:port is the Host the request was sent to (the
        # scheme may differ behind a TLS-terminating proxy).
        return bool(host) and urlsplit(origin).netloc == str(host).lower()

    def check(self, request: web.Request) -> None:
        """``Forbidden`` when ``request`` comes from a page of another, unlisted origin."""
        origin = request.headers.get(hdrs.ORIGIN)
        if not self.allows(origin, request.host):
            raise Forbidden("Pages of this origin may not connect to kefu; ask the operator "
                            "to add it to KEFU_CORS_ORIGINS.", details={"origin": origin})

    def engineio_check(self, origin: str | None, environ: dict[str, Any]) -> bool:
        """python-engineio's ``cors_allowed_origins`` callable."""
        return self.allows(origin, environ.get("HTTP_HOST"))


def policy_of(app: web.Application) -> OriginPolicy:
    """The app's policy, from its settings."""
    return OriginPolicy(frozenset(app[keys.SETTINGS].cors_origins))


def origin_check(request: web.Request) -> None:
    """Refuse a WebSocket handshake from another, unlisted origin (edge middleware)."""
    if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
        policy_of(request.app).check(request)


def setup_widget_cors(app: web.Application) -> None:
    """Preflight and CORS headers on the widget endpoints, for the listed origins only
    (an unlisted origin's preflight is refused with 403; none listed: all refused)."""
    import aiohttp_cors

    cors = aiohttp_cors.setup(app)
    options = aiohttp_cors.ResourceOptions(
        allow_credentials=False, allow_headers=(hdrs.CONTENT_TYPE,),
        allow_methods=("POST",), expose_headers=(hdrs.RETRY_AFTER,), max_age=600)
    config = {origin: options for origin in sorted(policy_of(app).allowed)}
    for route in list(app.router.routes()):
        resource = route.resource
        if resource is not None and resource.canonical in WIDGET_PATHS \
                and route.method == hdrs.METH_POST:
            cors.add(route, config)
