"""Typed application keys: every shared resource on the aiohttp app, in one place.

Each resource is opened and closed by one ``cleanup_ctx`` generator (see ``app.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

    from bot.settings import Settings

SETTINGS: web.AppKey["Settings"] = web.AppKey("settings")
DB_ENGINE: web.AppKey["AsyncEngine"] = web.AppKey("db_engine")
SESSION_FACTORY: web.AppKey["async_sessionmaker"] = web.AppKey("session_factory")
