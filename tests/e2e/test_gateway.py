"""The real app, built by the composition root, answers and maps errors in one shape."""

from __future__ import annotations

from bot.gateway.app import create_app
from bot.settings import Settings


def make_settings(url: str, **kw: object) -> Settings:
    return Settings(database_url=url, secret_key="test-secret-key-0123456789", **kw)


async def test_health(aiohttp_client, sqlite_url) -> None:
    client = await aiohttp_client(create_app(make_settings(sqlite_url)))
    resp = await client.get("/health")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}


async def test_unknown_api_path_is_json_404(aiohttp_client, sqlite_url) -> None:
    client = await aiohttp_client(create_app(make_settings(sqlite_url)))
    resp = await client.get("/api/v1/no-such-thing")
    assert resp.status == 404
    body = await resp.json()
    assert body["error"]["code"] == "not_found"
