"""Pages of other sites: only the origins in ``KEFU_CORS_ORIGINS`` may open kefu's
WebSockets, socket.io and the REST webhook from a browser; closed by default.

Driven through the real app with the headers a browser sends (``Origin``, preflight).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from bot.gateway.app import create_app
from bot.settings import Settings
from tests.e2e.console_world import seed

SHOP = "https://shop.example.com"
EVIL = "https://evil.example.net"
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


async def app_client(aiohttp_client: Any, tmp_path: Path, nlu_model_dir: Path,
                     **settings: Any) -> Any:
    models = tmp_path / "data" / "models"
    models.mkdir(parents=True)
    (models / "nlu").symlink_to(nlu_model_dir, target_is_directory=True)
    url = f"sqlite+aiosqlite:///{tmp_path / 'kefu.sqlite3'}"
    await seed(url)
    return await aiohttp_client(create_app(Settings(
        database_url=url,
        secret_key="origins-test-secret-0123456789abcdef", data_dir=tmp_path / "data",
        **settings)))


@pytest.fixture
async def listed(aiohttp_client: Any, tmp_path: Path, nlu_model_dir: Path) -> Any:
    return await app_client(aiohttp_client, tmp_path, nlu_model_dir, cors_origins=SHOP)


@pytest.fixture
async def closed(aiohttp_client: Any, tmp_path: Path, nlu_model_dir: Path) -> Any:
    return await app_client(aiohttp_client, tmp_path, nlu_model_dir)


def same_origin(client: Any) -> str:
    return f"http://{client.host}:{client.port}"


async def test_rest_preflight_and_cors_headers_for_listed_origins_only(listed: Any) -> None:
    ok = await listed.options("/webhooks/rest/webhook", headers={"Origin": SHOP, **PREFLIGHT})
    assert ok.status == 200
    assert ok.headers["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in ok.headers["Access-Control-Allow-Methods"]
    refused = await listed.options("/webhooks/rest/webhook",
                                   headers={"Origin": EVIL, **PREFLIGHT})
    assert refused.status == 403 and "Access-Control-Allow-Origin" not in refused.headers
    body = {"sender": "cors-1", "message": "hello"}
    answer = await listed.post("/webhooks/rest/webhook", json=body, headers={"Origin": SHOP})
    assert answer.status == 200 and answer.headers["Access-Control-Allow-Origin"] == SHOP
    other = await listed.post("/webhooks/rest/webhook", json=body, headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in other.headers  # the browser hides it


async def test_closed_by_default(closed: Any) -> None:
    refused = await closed.options("/webhooks/rest/webhook",
                                   headers={"Origin": SHOP, **PREFLIGHT})
    assert refused.status == 403 and "Access-Control-Allow-Origin" not in refused.headers
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await closed.ws_connect("/ws/chat", headers={"Origin": SHOP})
    assert caught.value.status == 403
    polling = await closed.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": SHOP})
    assert polling.status == 400


@pytest.mark.parametrize("path", ["/ws/chat", "/console/ws", "/socket.io/?EIO=4&transport=websocket"])
async def test_websockets_refuse_foreign_pages(listed: Any, path: str) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await listed.ws_connect(path, headers={"Origin": EVIL})
    assert caught.value.status == 403
    for origin in (SHOP, same_origin(listed), None):  # listed, same origin, not a browser
        ws = await listed.ws_connect(path, headers={"Origin": origin} if origin else {})
        await ws.close()


async def test_socketio_polling_answers_cors_for_listed_origins(listed: Any) -> None:
    ok = await listed.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": SHOP})
    assert ok.status == 200 and ok.headers["Access-Control-Allow-Origin"] == SHOP
    preflight = await listed.options("/socket.io/?EIO=4&transport=polling",
                                     headers={"Origin": SHOP, **PREFLIGHT})
    assert preflight.status == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == SHOP
    refused = await listed.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": EVIL})
    assert refused.status == 400 and "Access-Control-Allow-Origin" not in refused.headers
    mine = await listed.get("/socket.io/?EIO=4&transport=polling",
                            headers={"Origin": same_origin(listed)})
    assert mine.status == 200


def test_the_setting_takes_origins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_CORS_ORIGINS", "https://Shop.example.com/, http://localhost:3000")
    assert Settings().cors_origins == ("https://shop.example.com", "http://localhost:3000")
    for bad in ("*", "shop.example.com", "https://shop.example.com/widget", "ftp://x.org"):
        monkeypatch.setenv("KEFU_CORS_ORIGINS", bad)
        with pytest.raises(ValidationError):
            Settings()
