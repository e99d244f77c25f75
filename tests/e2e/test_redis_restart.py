"""Redis restarts under the running desk (kefu's multi-worker setup): offers resume within
5 s, the customer's messages reach the agent, and while Redis is away a chat message gets
a clear "try again" rather than an internal error.

The app runs on a redis-server of the test's own (``tests.private_redis``), killed with
SIGKILL mid-conversation and started again on the same port and data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.console_world import ConsoleWorld, console_app, login, seed
from tests.private_redis import PrivateRedis


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


@pytest.fixture
async def world(sqlite_url: str) -> ConsoleWorld:
    return await seed(sqlite_url)


async def next_frame(ws: Any, kind: str, event: str | None = None,
                     timeout: float = 5) -> dict:
    """The next frame of this type (and routing event), skipping others."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await ws.receive_json(timeout=max(0.05, deadline - loop.time()))
        tag = frame.get("request") if kind in ("ok", "error") else frame.get("event")
        if frame.get("type") == kind and (event is None or tag == event):
            return frame


async def ask_for_a_human(client: Any) -> Any:
    chat = await client.ws_connect("/ws/chat")
    await chat.send_json({"type": "hello"})
    await next_frame(chat, "session")
    await chat.send_json({"type": "message", "text": "/human_handoff"})
    await next_frame(chat, "bot")
    return chat


async def test_offers_and_messages_resume_after_a_redis_restart(
        aiohttp_client: Any, sqlite_url: str, world: ConsoleWorld, tmp_path: Path,
        nlu_model_dir: Path, private_redis: PrivateRedis) -> None:
    app = console_app(sqlite_url, tmp_path / "data", nlu_model_dir, private_redis.url)
    client = await aiohttp_client(app)
    console = await client.ws_connect(f"/console/ws?token={await login(client, 'alice')}")
    await next_frame(console, "hello")
    first = await ask_for_a_human(client)
    offer = await next_frame(console, "routing", "offered")
    await console.send_json({"type": "accept", "task_id": offer["task_id"]})
    await next_frame(console, "ok", "accept")
    await next_frame(first, "agent_joined")

    private_redis.kill()
    await asyncio.sleep(0.5)
    # While Redis is away the customer is told to try again, not "something went wrong".
    await first.send_json({"type": "message", "text": "are you there?"})
    refused = await next_frame(first, "error", timeout=30)
    assert refused["error"]["code"] == "dependency_unavailable", refused
    await console.send_json({"type": "presence", "presence": "available"})
    refused = await next_frame(console, "error", "presence", timeout=30)
    assert refused["error"]["code"] == "dependency_unavailable", refused
    private_redis.start()
    restarted = asyncio.get_running_loop().time()

    # A new customer's handoff is offered to the waiting console within 5 s ...
    second = await ask_for_a_human(client)
    again = await next_frame(console, "routing", "offered", timeout=5)
    assert again["task_id"] != offer["task_id"]
    resumed = asyncio.get_running_loop().time() - restarted
    assert resumed < 5
    print(f"offers resumed {resumed:.2f} s after the Redis restart")
    # ... and the first customer's messages still reach the agent, in order.
    for text in ("hello again", "my mug is broken"):
        await first.send_json({"type": "message", "text": text})
        heard = await next_frame(console, "customer")
        assert heard["text"] == text and heard["task_id"] == offer["task_id"]
    await console.send_json({"type": "message", "task_id": offer["task_id"],
                             "text": "Sorry about that"})
    said = await next_frame(first, "agent")
    assert said["text"] == "Sorry about that"
    for ws in (console, first, second):
        await ws.close()


async def test_offers_resume_after_redis_comes_back_empty(
        aiohttp_client: Any, sqlite_url: str, world: ConsoleWorld, tmp_path: Path,
        nlu_model_dir: Path) -> None:
    """A Redis without persistence forgets the queue: the signed-in agents are put back."""
    server = PrivateRedis(tmp_path / "volatile", persistent=False)
    server.start()
    try:
        app = console_app(sqlite_url, tmp_path / "data", nlu_model_dir, server.url)
        client = await aiohttp_client(app)
        console = await client.ws_connect(
            f"/console/ws?token={await login(client, 'alice')}")
        await next_frame(console, "hello")
        await console.send_json({"type": "ping"})  # the console's sign-in is done
        await next_frame(console, "pong")
        server.kill()
        server.start()
        restarted = asyncio.get_running_loop().time()
        chat = await ask_for_a_human(client)
        await next_frame(console, "routing", "offered", timeout=5)
        resumed = asyncio.get_running_loop().time() - restarted
        assert resumed < 5
        print(f"offers resumed {resumed:.2f} s after Redis came back empty")
        for ws in (console, chat):
            await ws.close()
    finally:
        server.kill()
