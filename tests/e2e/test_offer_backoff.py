"""A console that declines every offer gets a few offers, not hundreds a second.

Through the real app: Alice's console answers every ``offered`` frame with ``decline``
as fast as it can; the offers she receives in a window are counted, with the per-agent
back-off (config ``offer_backoff``) and, to show the test can fail, without it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.gateway import keys
from routing.config import OfferBackoff
from tests.e2e.console_world import ConsoleWorld, console_app, login, seed

WINDOW_SECONDS = 3.0


@pytest.fixture
async def world(sqlite_url: str) -> ConsoleWorld:
    return await seed(sqlite_url)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """The in-process queue, or the queue on Redis (as with several workers)."""
    return None if request.param == "memory" else request.getfixturevalue("redis_url")


@pytest.fixture
async def client(aiohttp_client: Any, sqlite_url: str, world: ConsoleWorld, tmp_path,
                 nlu_model_dir, backend_url: str | None) -> Any:
    return await aiohttp_client(console_app(sqlite_url, tmp_path / "data", nlu_model_dir,
                                            backend_url))


async def offers_while_declining(console: Any, seconds: float) -> int:
    """Decline every offer for ``seconds``; how many offers came."""
    loop = asyncio.get_running_loop()
    deadline, offers = loop.time() + seconds, 0
    while (left := deadline - loop.time()) > 0:
        try:
            frame = await console.receive_json(timeout=left)
        except TimeoutError:
            break
        if frame.get("type") == "routing" and frame.get("event") == "offered":
            offers += 1
            await console.send_json({"type": "decline", "task_id": frame["task_id"]})
    return offers


async def test_a_console_declining_everything_backs_off(client: Any) -> None:
    router = client.server.app[keys.ROUTER]
    console = await client.ws_connect(f"/console/ws?token={await login(client, 'alice')}")
    chat = await client.ws_connect("/ws/chat")
    await chat.send_json({"type": "message", "text": "/human_handoff"})
    # base 2 s doubling: offers at about 0, 2 (and 6) seconds -> 2 in a 3 s window.
    with_backoff = await offers_while_declining(console, WINDOW_SECONDS)
    assert 1 <= with_backoff <= 3, with_backoff

    router.config = router.config.model_copy(update={"offer_backoff": OfferBackoff(
        base_seconds=0)})
    await console.send_json({"type": "presence", "presence": "available"})  # dispatch now
    without = await offers_while_declining(console, WINDOW_SECONDS)
    assert without > 20 * with_backoff, (with_backoff, without)
    print(f"offers in {WINDOW_SECONDS:.0f} s: {with_backoff} with back-off, "
          f"{without} without")
    # Stop the flood and let the last declines finish before the sockets close: a SQLite
    # query cancelled mid-flight at shutdown leaves aiosqlite's close waiting forever.
    router.config = router.config.model_copy(update={"offer_backoff": OfferBackoff()})
    await console.send_json({"type": "presence", "presence": "away"})
    await asyncio.sleep(1.0)
    await console.close()
    await chat.close()
    await asyncio.sleep(0.5)
