"""While PostgreSQL or Redis is unreachable, requests get a 503 with a clear JSON message
and ``Retry-After`` (never a 500 or a traceback), and kefu recovers by itself after.

PostgreSQL sits behind a TCP proxy the test cuts (``tests.tcp_proxy``); Redis is a
redis-server of the test's own, killed with SIGKILL (``tests.private_redis``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.console_world import console_app, login, seed
from tests.private_redis import PrivateRedis
from tests.tcp_proxy import TcpProxy


async def assert_unavailable(resp: Any, dependency: str) -> None:
    text = await resp.text()
    assert resp.status == 503, text
    assert resp.headers["Retry-After"] == "5"
    assert resp.content_type == "application/json"
    error = (await resp.json())["error"]
    assert error["code"] == "dependency_unavailable"
    assert error["details"] == {"dependency": dependency, "retry_after": 5}
    assert "Try again in 5 seconds" in error["message"]
    assert "Traceback" not in text and "asyncpg" not in text and "redis." not in text


@pytest.mark.postgres
async def test_database_down_is_503_and_recovers(aiohttp_client: Any, postgres_url: str,
                                                 tmp_path: Path, nlu_model_dir: Path) -> None:
    await seed(postgres_url)
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    via_proxy = postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    assert via_proxy != postgres_url
    client = await aiohttp_client(console_app(via_proxy, tmp_path / "data", nlu_model_dir))
    auth = {"Authorization": f"Bearer {await login(client, 'sue')}"}
    assert (await client.get("/api/v1/customers", headers=auth)).status == 200

    await proxy.stop()  # open connections reset, new ones refused
    for _ in range(2):  # a pooled connection that died, then a refused new one
        await assert_unavailable(await client.get("/api/v1/customers", headers=auth),
                                 "database")
    await assert_unavailable(await client.post("/api/v1/auth/login", json={
        "email": "sue@kefu.test", "password": "whatever it is"}), "database")
    await assert_unavailable(await client.get("/console/api/queue", headers=auth), "database")

    await proxy.start()
    loop = asyncio.get_running_loop()
    back = loop.time()
    while (resp := await client.get("/api/v1/customers", headers=auth)).status != 200:
        assert resp.status == 503 and loop.time() < back + 5
        await asyncio.sleep(0.2)
    print(f"API answered 200 again {loop.time() - back:.2f} s after PostgreSQL came back")
    await proxy.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


async def test_redis_down_is_503_for_chat_and_recovers(
        aiohttp_client: Any, sqlite_url: str, tmp_path: Path, nlu_model_dir: Path,
        private_redis: PrivateRedis) -> None:
    await seed(sqlite_url)
    client = await aiohttp_client(console_app(sqlite_url, tmp_path / "data", nlu_model_dir,
                                              private_redis.url))
    hello = {"sender": "redis-down-1", "message": "hello"}
    assert (await client.post("/webhooks/rest/webhook", json=hello)).status == 200
    private_redis.kill()
    await assert_unavailable(await client.post("/webhooks/rest/webhook", json=hello), "redis")
    # The REST API does not need Redis (its rate limits fail open): it keeps answering.
    auth = {"Authorization": f"Bearer {await login(client, 'sue')}"}
    assert (await client.get("/api/v1/customers", headers=auth)).status == 200
    private_redis.start()
    assert (await client.post("/webhooks/rest/webhook", json=hello)).status == 200
