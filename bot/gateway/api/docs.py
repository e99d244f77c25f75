"""``/api/openapi.json`` (built from the route table on first request) and ``/api/docs``.

The docs page is a small static HTML file that renders the JSON document with plain
JavaScript: no CDN, so it works on an offline machine.
"""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from bot.gateway import keys
from bot.gateway.api.routes import Operation
from bot.gateway.openapi import OpenApiDocument

OPENAPI_PATH = "/api/openapi.json"
DOCS_PATH = "/api/docs"


def setup_docs(app: web.Application, operations: list[Operation]) -> None:
    """Serve the OpenAPI document and the human-readable docs page."""
    app[keys.OPENAPI_DOCUMENT] = OpenApiDocument(operations, version=_kefu_version())
    app.router.add_get(OPENAPI_PATH, openapi_json)
    app.router.add_get(DOCS_PATH, docs_page)
    app.router.add_get(DOCS_PATH + ".js", docs_script)  # no inline script: the CSP forbids it


def _kefu_version() -> str:
    """The installed kefu's version (a source checkout that is not installed says so)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kefu")
    except PackageNotFoundError:
        return "0.0.0+source"


async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document of this server's REST API."""
    return web.Response(body=request.app[keys.OPENAPI_DOCUMENT].body,
                        content_type="application/json", charset="utf-8")


async def docs_page(request: web.Request) -> web.Response:
    """A readable list of every operation, rendered from ``/api/openapi.json``."""
    html = resources.files("bot.gateway.api").joinpath("docs.html").read_text("utf-8")
    return web.Response(text=html, content_type="text/html")


async def docs_script(request: web.Request) -> web.Response:
    """The docs page's script, a file of its own so the page runs under ``script-src 'self'``."""
    js = resources.files("bot.gateway.api").joinpath("docs.js").read_text("utf-8")
    return web.Response(text=js, content_type="application/javascript")
