"""Security headers on every response (issue #15, item 5).

Every page kefu serves loads its scripts from files (no inline script, no ``on*``
attributes), so one Content-Security-Policy fits them all: scripts only from kefu itself,
no plugins, no ``<base>`` tricks, and no framing by other sites. A handler that sets its
own policy (the chat page at ``/``) keeps it. ``nosniff`` and a Referrer-Policy go on
everything, JSON included.
"""

from __future__ import annotations

from aiohttp import web

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: add each header the handler did not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


def setup_security_headers(app: web.Application) -> None:
    """Register the headers on ``app``."""
    app.on_response_prepare.append(security_headers)
