"""The live-chat hub survives a Redis restart: reconnects with back-off, loses nothing.

A redis-server of the test's own is killed (SIGKILL) while a customer on one worker keeps
writing to the agent on another; after the restart every message arrives, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from routing.live import LiveEvent, LiveKind, LiveSession
from routing.live_redis import RedisLiveChatHub
from tests.private_redis import PrivateRedis


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


async def until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_messages_written_during_a_restart_all_arrive(private_redis: PrivateRedis) -> None:
    web = RedisLiveChatHub(private_redis.url, backoff_cap=0.5)
    console = RedisLiveChatHub(private_redis.url, backoff_cap=0.5)
    await web.start()
    await console.start()
    try:
        async with web.customer_feed("s1") as customer, console.agent_feed(7) as agent:
            await until(lambda: web.connected and console.connected)
            console.open(LiveSession("s1", 10, "conv-10", 7, "Alice"))
            assert (await customer.get(5)).kind is LiveKind.AGENT_JOINED
            await until(lambda: web.is_with_agent("s1"))
            sent = []
            for i in range(30):  # mid-traffic: the server dies after the 10th message
                if i == 10:
                    private_redis.kill()
                if i == 20:
                    await asyncio.sleep(1.0)  # the hubs notice and back off meanwhile
                    assert not web.connected
                    private_redis.start()
                sent.append(f"message {i}")
                assert await web.post_customer_message("s1", sent[-1])
                await asyncio.sleep(0.02)
            restarted = asyncio.get_running_loop().time()
            heard = [(await agent.get(5)).text for _ in sent]
            assert heard == sent  # nothing lost, nothing reordered
            # The way back works too, within the 5 s the desk may take to recover.
            await console.post_agent_message("s1", 7, "still here")
            assert (await customer.get(5)).text == "still here"
            assert asyncio.get_running_loop().time() - restarted < 5
            assert web.connected and console.connected
    finally:
        await web.stop()
        await console.stop()


async def test_the_hub_starts_while_redis_is_down(private_redis: PrivateRedis) -> None:
    private_redis.kill()
    hub = RedisLiveChatHub(private_redis.url, backoff_cap=0.2)
    await hub.start()  # returns at once; the reader connects when it can
    try:
        async with hub.agent_feed(3) as agent:
            hub.to_agent(3, LiveEvent(LiveKind.ROUTING, data={"event": "offered"}))
            await asyncio.sleep(0.5)
            assert not hub.connected
            private_redis.start()
            event = await agent.get(5)
            assert event.data == {"event": "offered"}
    finally:
        await hub.stop()
