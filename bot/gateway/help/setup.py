"""Mount the help center: ``/help`` pages and ``/help/static/`` (its stylesheet)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.gateway.help import views

STATIC_DIR = Path(__file__).parent / "static"


def setup_help(app: web.Application) -> None:
    """Register the help center's routes (the slug route last: it matches the most)."""
    app.router.add_static("/help/static/", STATIC_DIR, name="help_static")
    app.router.add_get("/help", views.home, name="help_home")
    app.router.add_get("/help/search", views.search, name="help_search")
    app.router.add_get("/help/category/{category}", views.category, name="help_category")
    app.router.add_get("/help/{slug:[a-z0-9][a-z0-9-]*}", views.article, name="help_article")
