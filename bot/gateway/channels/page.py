"""The web chat page at ``/`` and its static files at ``/static/chat/``."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


async def index(request: web.Request) -> web.FileResponse:
    """The chat page."""
    return web.FileResponse(STATIC_DIR / "index.html", headers={
        "Cache-Control": "no-cache",
        # The page loads only its own script and style; bot text is never HTML.
        "Content-Security-Policy": "default-src 'self'; connect-src 'self' ws: wss:; "
                                   "img-src 'self' data: https:; frame-ancestors 'self'",
    })


def add_routes(app: web.Application) -> None:
    """Mount ``/`` and ``/static/chat/``."""
    app.router.add_get("/", index)
    app.router.add_static("/static/chat/", STATIC_DIR, name="chat_static")
