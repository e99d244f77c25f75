"""Security headers on every page and API answer of the real app (issue #15, item 5)."""

from __future__ import annotations

import pytest

from bot.gateway.headers import CONTENT_SECURITY_POLICY
from tests.e2e.chat_support import chat_app


@pytest.fixture
async def client(aiohttp_client, sqlite_url: str, tmp_path, nlu_model_dir):
    from tests.e2e.chat_support import create_schema

    await create_schema(sqlite_url)
    return await aiohttp_client(chat_app(sqlite_url, tmp_path, nlu_model_dir))


@pytest.mark.parametrize("path", ["/", "/console", "/api/docs", "/api/docs.js",
                                  "/api/openapi.json", "/health", "/webhooks/rest/",
                                  "/api/v1/customers", "/no-such-page"])
async def test_every_answer_carries_the_headers(client, path: str) -> None:
    resp = await client.get(path, allow_redirects=False)
    assert resp.status < 500
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[-1].split(";")[0]


async def test_pages_allow_no_inline_script(client) -> None:
    for path in ("/console", "/api/docs"):
        resp = await client.get(path)
        assert resp.status == 200
        assert resp.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        html = await resp.text()
        assert "<script>" not in html  # every script is a file, as the policy requires
