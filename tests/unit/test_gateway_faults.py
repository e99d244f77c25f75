"""``dependency_fault``: lost connections are 503s; bugs that look alike stay 500s."""

from __future__ import annotations

import sqlite3

import redis.exceptions
from sqlalchemy import exc as sa

from bot.gateway.faults import dependency_fault


def wrapped(orig: Exception) -> sa.OperationalError:
    try:
        try:
            raise orig
        except Exception as e:
            raise sa.OperationalError("SELECT 1", {}, e) from e
    except sa.OperationalError as outer:
        return outer


def test_lost_dependencies_are_named() -> None:
    assert dependency_fault(redis.exceptions.ConnectionError("refused")).dependency == "redis"
    assert dependency_fault(redis.exceptions.TimeoutError("slow")).dependency == "redis"
    locked = wrapped(sqlite3.OperationalError("database is locked"))
    assert dependency_fault(locked).dependency == "database"
    assert dependency_fault(sa.TimeoutError("pool")).dependency == "database"


def test_bugs_are_not_outages() -> None:
    assert dependency_fault(wrapped(sqlite3.OperationalError("no such table: x"))) is None
    assert dependency_fault(ValueError("x")) is None
    assert dependency_fault(ConnectionRefusedError(111, "refused")) is None  # whose? unknown


async def test_an_error_after_the_websocket_upgrade_closes_it_cleanly(aiohttp_client) -> None:
    from aiohttp import WSMsgType, web

    from bot.gateway.errors import error_middleware, setup_errors

    async def breaks_after_upgrade(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()
        raise redis.exceptions.ConnectionError("Connection closed by server.")

    app = web.Application(middlewares=[error_middleware])
    setup_errors(app)
    app.router.add_get("/ws", breaks_after_upgrade)
    client = await aiohttp_client(app)
    ws = await client.ws_connect("/ws")
    await ws.send_str("hi")
    frame = await ws.receive_json(timeout=5)  # a proper frame, not an HTTP response
    assert frame["error"]["code"] == "dependency_unavailable"
    closing = await ws.receive(timeout=5)
    assert closing.type is WSMsgType.CLOSE and closing.data == 1013  # try again later
