"""Per-client rate limits on the real app: 429 with Retry-After and the standard error body
on chat (REST, WebSocket, socket.io), sign-in and the API; counters shared through Redis."""

from __future__ import annotations

import asyncio

import pytest
import socketio

from tests.e2e.chat_support import SECRET, chat_app, create_schema

WEBHOOK = "/webhooks/rest/webhook"
LOGIN = "/api/v1/auth/login"


async def app_client(aiohttp_client, url: str, tmp_path, nlu_model_dir, **settings):  # noqa: ANN001, ANN201
    return await aiohttp_client(chat_app(url, tmp_path, nlu_model_dir, **settings))


async def assert_429(resp, scope: str) -> dict:
    body = await resp.json()
    assert resp.status == 429, body
    retry = int(resp.headers["Retry-After"])
    assert 1 <= retry <= 3600
    assert body["error"]["code"] == "too_many_requests"
    assert body["error"]["details"]["retry_after"] == retry
    assert body["error"]["details"]["scope"] == scope
    assert f"try again in {retry} s" in body["error"]["message"]
    return body


@pytest.fixture
async def url(sqlite_url: str) -> str:
    await create_schema(sqlite_url)
    return sqlite_url


async def test_chat_webhook_429_with_retry_after(aiohttp_client, url, tmp_path,
                                                 nlu_model_dir) -> None:
    client = await app_client(aiohttp_client, url, tmp_path, nlu_model_dir,
                              rate_limit_chat="3/minute")
    for i in range(3):
        resp = await client.post(WEBHOOK, json={"sender": f"c{i}", "message": "hello"})
        assert resp.status == 200
    await assert_429(await client.post(WEBHOOK, json={"sender": "c9", "message": "hello"}),
                     "chat")
    # Other clients' operations are not chat: the REST channel's health check still answers.
    assert (await client.get("/webhooks/rest/")).status == 200


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(
        aiohttp_client, url, tmp_path, nlu_model_dir) -> None:
    client = await app_client(aiohttp_client, url, tmp_path, nlu_model_dir,
                              rate_limit_chat="2/minute", trusted_proxies="127.0.0.0/8")

    def post(ip: str):  # noqa: ANN202
        return client.post(WEBHOOK, json={"sender": f"u-{ip}", "message": "hi"},
                           headers={"X-Forwarded-For": ip})

    assert [(await post("198.51.100.1")).status for _ in range(2)] == [200, 200]
    await assert_429(await post("198.51.100.1"), "chat")
    assert (await post("198.51.100.2")).status == 200  # another client behind the proxy

    untrusted = await app_client(aiohttp_client, url, tmp_path / "b", nlu_model_dir,
                                 rate_limit_chat="2/minute")
    statuses = [(await untrusted.post(WEBHOOK, json={"sender": "x", "message": "hi"},
                                      headers={"X-Forwarded-For": f"203.0.113.{i}"})).status
                for i in range(3)]
    assert statuses == [200, 200, 429]  # a forged header changes nothing


async def test_login_has_its_own_tighter_limit(aiohttp_client, url, tmp_path,
                                               nlu_model_dir) -> None:
    client = await app_client(aiohttp_client, url, tmp_path, nlu_model_dir,
                              rate_limit_login="3/minute", rate_limit_api="100/minute")
    wrong = {"email": "nobody@kefu.test", "password": "wrong password"}
    assert [(await client.post(LOGIN, json=wrong)).status for _ in range(3)] == [401] * 3
    await assert_429(await client.post(LOGIN, json=wrong), "login")
    # Counted before the password is looked at: the right one is refused too, for now.
    await assert_429(await client.post(LOGIN, json=wrong | {"password": "x" * 12}), "login")


async def test_api_limit_covers_signed_in_and_anonymous_requests(
        aiohttp_client, url, tmp_path, nlu_model_dir) -> None:
    from bot.gateway.tokens import sign_agent_token
    from pydantic import SecretStr

    client = await app_client(aiohttp_client, url, tmp_path, nlu_model_dir,
                              rate_limit_api="3/minute")
    token = sign_agent_token(1, "agent", SecretStr(SECRET))
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [(await client.get("/api/v1/customers", headers=headers)).status
                for _ in range(3)]
    assert 429 not in statuses
    await assert_429(await client.get("/api/v1/customers", headers=headers), "api")
    await assert_429(await client.get("/api/v1/products"), "api")
    assert (await client.get("/health")).status == 200


async def test_websocket_frames_and_messages_are_limited(aiohttp_client, url, tmp_path,
                                                         nlu_model_dir) -> None:
    client = await app_client(aiohttp_client, url, tmp_path, nlu_model_dir,
                              rate_limit_ws_frames="5/10 seconds", rate_limit_chat="1/minute")
    ws = await client.ws_connect("/ws/chat")
    await ws.send_json({"type": "hello"})
    assert (await ws.receive_json(timeout=10))["type"] == "session"
    await ws.send_json({"type": "message", "text": "hello"})
    frames = []
    while frames[-1:] != [{"type": "typing", "on": False}]:
        frames.append(await ws.receive_json(timeout=10))
    await ws.send_json({"type": "message", "text": "hello again"})  # frame 3, chat 2nd
    frame = await ws.receive_json(timeout=10)
    assert frame["type"] == "error" and frame["error"]["code"] == "too_many_requests"
    assert frame["error"]["details"]["scope"] == "chat"
    for _ in range(2):  # frames 4 and 5
        await ws.send_json({"type": "ping"})
        assert await ws.receive_json(timeout=10) == {"type": "pong"}
    await ws.send_json({"type": "ping"})  # frame 6
    frame = await ws.receive_json(timeout=10)
    assert frame["type"] == "error" and frame["error"]["details"]["scope"] == "ws_frames"
    assert frame["error"]["details"]["retry_after"] >= 1
    await ws.close()


async def test_socketio_messages_are_limited(aiohttp_client, url, tmp_path,
                                             nlu_model_dir) -> None:
    client = await app_client(aiohttp_client, url, tmp_path, nlu_model_dir,
                              rate_limit_chat="1/minute")
    sio = socketio.AsyncClient(reconnection=False)
    errors: asyncio.Queue = asyncio.Queue()
    uttered: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    sio.on("error", errors.put)
    sio.on("bot_uttered", uttered.put)
    sio.on("session_confirm", confirmed.put)
    await sio.connect(str(client.make_url("/")).rstrip("/"), socketio_path="/socket.io",
                      transports=["websocket"])
    try:
        await sio.emit("session_request", {"session_id": "sio-rate-1"})
        await asyncio.wait_for(confirmed.get(), 10)
        await sio.emit("user_uttered", {"message": "hello", "session_id": "sio-rate-1"})
        await asyncio.wait_for(uttered.get(), 10)
        await sio.emit("user_uttered", {"message": "hello", "session_id": "sio-rate-1"})
        error = await asyncio.wait_for(errors.get(), 10)
        assert error["error"]["code"] == "too_many_requests"
        assert error["error"]["details"]["retry_after"] >= 1
    finally:
        await sio.disconnect()


@pytest.mark.redis
async def test_workers_share_counters_through_redis(aiohttp_client, url, tmp_path,
                                                    nlu_model_dir, redis_url) -> None:
    first = await app_client(aiohttp_client, url, tmp_path / "a", nlu_model_dir,
                             redis_url=redis_url, rate_limit_chat="4/minute")
    second = await app_client(aiohttp_client, url, tmp_path / "b", nlu_model_dir,
                              redis_url=redis_url, rate_limit_chat="4/minute")
    statuses = []
    for i in range(4):
        client = (first, second)[i % 2]
        statuses.append((await client.post(WEBHOOK, json={"sender": f"r{i}",
                                                          "message": "hello"})).status)
    assert statuses == [200] * 4
    await assert_429(await first.post(WEBHOOK, json={"sender": "r9", "message": "hi"}), "chat")
    await assert_429(await second.post(WEBHOOK, json={"sender": "r9", "message": "hi"}), "chat")


async def test_a_failing_redis_lets_chat_through(caplog) -> None:
    from bot.gateway.ratelimit import RateLimits
    from bot.settings import Settings
    from limits.aio.storage import RedisStorage

    settings = Settings(rate_limit_chat="1/minute")
    dead = RedisStorage("async+redis://127.0.0.1:1/0", implementation="redispy",
                        wrap_exceptions=True, socket_connect_timeout=0.5)
    limits = RateLimits(settings, dead)
    for _ in range(3):
        await limits.hit("chat", "192.0.2.1")  # no exception: fail open
    assert "rate-limit storage failed" in caplog.text
    await limits.close()
