"""Bad input at every chat edge gets a clear 4xx naming the field, never a 500, and costs
no disk: the fuzz cases found on main (lone surrogate and NUL in message and sender on
both databases, JSON nested 1,000 deep, WebSocket metadata as a string, 7 MB metadata).
"""

from __future__ import annotations

import asyncio
import json

import pytest
import socketio
from sqlalchemy import func, select

from crm_core.db import create_engine
from crm_core.models import DialogueEvent, Message
from tests.e2e.chat_support import chat_app, create_schema

WEBHOOK = "/webhooks/rest/webhook"
DEEP = "[" * 1000 + "]" * 1000


async def counts(url: str) -> tuple[int, int]:
    """(messages, dialogue events) stored so far."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            messages = (await conn.execute(select(func.count()).select_from(Message))).scalar()
            events = (await conn.execute(select(func.count()).select_from(DialogueEvent))
                      ).scalar()
    finally:
        await engine.dispose()
    return messages, events


async def database_bytes(url: str) -> int:
    """Size of the database on disk (SQLite file with its WAL, or pg_database_size)."""
    from pathlib import Path

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT pg_database_size(current_database())"))
                    ).scalar()
    finally:
        await engine.dispose()


@pytest.fixture
async def chat(aiohttp_client, database_url: str, tmp_path, nlu_model_dir):
    await create_schema(database_url)
    return await aiohttp_client(chat_app(database_url, tmp_path, nlu_model_dir))


def post_raw(client, body: str | bytes):  # noqa: ANN201
    data = body.encode() if isinstance(body, str) else body
    return client.post(WEBHOOK, data=data, headers={"Content-Type": "application/json"})


async def assert_400(resp, field: str) -> dict:
    body = await resp.json()
    assert resp.status == 400, body
    assert body["error"]["code"] == "invalid_input"
    assert body["error"]["details"]["field"] == field, body
    assert field.split(".")[0] in body["error"]["message"]
    return body


@pytest.mark.postgres
@pytest.mark.parametrize("field", ["message", "sender"])
@pytest.mark.parametrize("bad, problem", [("\\ud800", "surrogate"), ("\\udfff x", "surrogate"),
                                          ("a\\u0000b", "NUL")])
async def test_lone_surrogate_and_nul_in_message_and_sender(
        chat, database_url: str, field: str, bad: str, problem: str) -> None:
    good = {"message": "hello", "sender": "edge-user"}
    body = {k: v for k, v in good.items() if k != field}
    raw = json.dumps(body)[:-1] + f', "{field}": "{bad}"}}'
    body = await assert_400(await post_raw(chat, raw), field)
    assert problem in body["error"]["message"]
    assert await counts(database_url) == (0, 0)  # nothing half-stored
    # The same client's proper message is answered and stored.
    resp = await chat.post(WEBHOOK, json=good)
    assert resp.status == 200 and await resp.json()
    messages, events = await counts(database_url)
    assert messages >= 2 and events > 0


@pytest.mark.postgres
async def test_nul_and_surrogates_in_metadata_are_refused(chat, database_url: str) -> None:
    for raw, field in [
        ('{"sender": "m1", "message": "hi", "metadata": {"note": "a\\u0000"}}', "metadata.note"),
        ('{"sender": "m1", "message": "hi", "metadata": {"x": ["\\ud83d"]}}', "metadata.x[0]"),
        ('{"sender": "m1", "message": "hi", "metadata": {"\\u0000": 1}}', "metadata.\x00 (a key)"),
    ]:
        await assert_400(await post_raw(chat, raw), field)
    assert await counts(database_url) == (0, 0)


async def test_json_nested_1000_deep_is_a_400_everywhere(chat) -> None:
    resp = await post_raw(chat, DEEP)
    body = await resp.json()
    assert resp.status == 400 and "nested deeper than 32" in body["error"]["message"]
    resp = await post_raw(chat, '{"sender": "d", "message": "hi", "metadata": {"a": ' + DEEP + "}}")
    assert resp.status == 400
    # The REST API (login needs no token) and the WebSocket.
    resp = await chat.post("/api/v1/auth/login", data=DEEP,
                           headers={"Content-Type": "application/json"})
    assert resp.status == 400 and "nested" in (await resp.json())["error"]["message"]
    ws = await chat.ws_connect("/ws/chat")
    await ws.send_str('{"type": "message", "text": "hi", "metadata": {"a": ' + DEEP + "}}")
    frame = await ws.receive_json(timeout=10)
    assert frame["type"] == "error" and "nested" in frame["error"]["message"]
    await ws.send_json({"type": "ping"})  # the connection stays usable
    assert (await ws.receive_json(timeout=10)) == {"type": "pong"}
    await ws.close()


async def test_depth_at_the_limit_is_accepted(chat) -> None:
    nested = "[" * 29 + "1" + "]" * 29  # body {} + metadata {} + 30 levels = 32
    resp = await post_raw(chat, '{"sender": "d2", "message": "hi", "metadata": {"a": '
                          + nested + "}}")
    assert resp.status == 200, await resp.text()


async def test_websocket_metadata_as_a_string_is_an_error_frame(chat, database_url) -> None:
    ws = await chat.ws_connect("/ws/chat")
    await ws.send_json({"type": "hello", "metadata": "customer_token=abc"})
    frame = await ws.receive_json(timeout=10)
    assert frame["type"] == "error" and frame["error"]["details"]["field"] == "metadata"
    await ws.send_json({"type": "message", "text": "hi", "metadata": "not an object"})
    frame = await ws.receive_json(timeout=10)
    if frame["type"] == "session":
        frame = await ws.receive_json(timeout=10)
    assert frame["type"] == "error" and "metadata must be an object" in frame["error"]["message"]
    await ws.send_json({"type": "message", "text": "\ud800"})  # aiohttp escapes it
    frame = await ws.receive_json(timeout=10)
    assert frame["type"] == "error" and "surrogate" in frame["error"]["message"]
    assert await counts(database_url) == (0, 0)
    # A proper message on the same socket is answered (typing on, replies, typing off).
    await ws.send_json({"type": "message", "text": "hello", "metadata": {"language": "en"}})
    kinds = []
    while not kinds or kinds[-1] != "typing":
        frame = await ws.receive_json(timeout=10)
        kinds.append(frame["type"])
        if frame == {"type": "typing", "on": True}:
            kinds = ["typing-on"]
    assert "bot" in kinds
    await ws.close()


@pytest.mark.postgres
async def test_seven_mb_metadata_is_refused_and_the_database_does_not_grow(
        chat, database_url: str) -> None:
    await chat.post(WEBHOOK, json={"sender": "warm", "message": "hello"})
    before = await database_bytes(database_url)
    payload = {"sender": "big", "message": "hi", "metadata": {"blob": "x" * 7_000_000}}
    for _ in range(5):
        resp = await chat.post(WEBHOOK, json=payload)
        body = await resp.json()
        assert resp.status == 413 and body["error"]["code"] == "too_large"
    # Within the body limit but over the 4 KB metadata limit: a 400 naming metadata.
    resp = await chat.post(WEBHOOK, json={"sender": "big", "message": "hi",
                                          "metadata": {"blob": "x" * 5000}})
    body = await assert_400(resp, "metadata")
    assert body["error"]["details"]["max_bytes"] == 4096
    assert await database_bytes(database_url) - before < 256 * 1024
    messages, _ = await counts(database_url)
    assert messages == 2  # the warm-up turn only


async def test_metadata_schema(chat) -> None:
    for metadata, field in [({"customer_token": 42}, "metadata.customer_token"),
                            ({"customer_token": "t" * 3000}, "metadata.customer_token"),
                            ({"language": "english please"}, "metadata.language"),
                            ({"k" * 65: 1}, "metadata"), ([1, 2], "metadata")]:
        resp = await chat.post(WEBHOOK, json={"sender": "s", "message": "hi",
                                              "metadata": metadata})
        await assert_400(resp, field)
    resp = await chat.post(WEBHOOK, json={"sender": "s", "message": "hi", "metadata": {
        "language": "zh-CN", "customer_token": None, "page": {"url": "/help", "tags": [1]}}})
    assert resp.status == 200


async def test_sender_limits(chat) -> None:
    for sender in ["x" * 129, "   ", "a\nb", 7]:
        await assert_400(await chat.post(WEBHOOK, json={"sender": sender, "message": "hi"}),
                         "sender")
    assert (await chat.post(WEBHOOK, json={"sender": "客服-user@example.com",
                                           "message": "hi"})).status == 200


async def test_socketio_bad_input_gets_an_error_event(chat) -> None:
    base = str(chat.make_url("/")).rstrip("/")
    sio = socketio.AsyncClient(reconnection=False)
    errors: asyncio.Queue = asyncio.Queue()
    uttered: asyncio.Queue = asyncio.Queue()
    sio.on("error", errors.put)
    sio.on("bot_uttered", uttered.put)
    confirmed: asyncio.Queue = asyncio.Queue()
    sio.on("session_confirm", confirmed.put)
    await sio.connect(base, socketio_path="/socket.io", transports=["websocket"])
    try:
        await sio.emit("session_request", {"session_id": "sio-edge-1"})
        assert await asyncio.wait_for(confirmed.get(), 10) == "sio-edge-1"
        await sio.emit("user_uttered", {"message": "hi", "session_id": "sio-edge-1",
                                        "metadata": "a string"})
        error = await asyncio.wait_for(errors.get(), 10)
        assert error["error"]["details"]["field"] == "metadata"
        await asyncio.wait_for(uttered.get(), 10)  # the widget shows why
        await sio.emit("user_uttered", {"message": "x\u0000", "session_id": "sio-edge-1"})
        error = await asyncio.wait_for(errors.get(), 10)
        assert error["error"]["details"]["field"] == "message"
        await asyncio.wait_for(uttered.get(), 10)
        deep: object = "x"
        for _ in range(200):  # the client's own encoder recurses: 200 is deep enough
            deep = [deep]
        await sio.emit("user_uttered", {"message": "hi", "session_id": "sio-edge-1",
                                        "metadata": {"a": deep}})
        error = await asyncio.wait_for(errors.get(), 10)
        assert "nested deeper" in error["error"]["message"]
        await asyncio.wait_for(uttered.get(), 10)
        await sio.emit("user_uttered", {"message": "hello", "session_id": "sio-edge-1"})
        reply = await asyncio.wait_for(uttered.get(), 10)
        assert reply.get("text")
        assert errors.empty()
    finally:
        await sio.disconnect()


async def test_socketio_session_request_with_a_bad_id_gets_a_new_one(chat) -> None:
    sio = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Queue = asyncio.Queue()
    sio.on("session_confirm", confirmed.put)
    await sio.connect(str(chat.make_url("/")).rstrip("/"), socketio_path="/socket.io",
                      transports=["websocket"])
    try:
        for bad in ["x" * 100_000, "a\u0000b", 42]:
            await sio.emit("session_request", {"session_id": bad})
            got = await asyncio.wait_for(confirmed.get(), 10)
            assert got != bad and len(got) == 32
        await sio.emit("session_request", {"session_id": "widget-session-7"})
        assert await asyncio.wait_for(confirmed.get(), 10) == "widget-session-7"
    finally:
        await sio.disconnect()
