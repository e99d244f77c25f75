"""Two workers' hubs over a real Redis: the customer on one, the agent on the other."""

from __future__ import annotations

import asyncio

import pytest

from routing.live import LiveKind, LiveSession
from routing.live_redis import RedisLiveChatHub

pytestmark = pytest.mark.redis


async def until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_customer_and_agent_on_different_workers(redis_url: str) -> None:
    stored: list[tuple[int, int]] = []

    async def record(session: LiveSession, score: int, comment: str | None) -> None:
        stored.append((session.conversation_id, score))

    web_worker = RedisLiveChatHub(redis_url, channel="test:live", csat_recorder=record)
    console_worker = RedisLiveChatHub(redis_url, channel="test:live", csat_recorder=record)
    await web_worker.start()
    await console_worker.start()
    try:
        async with web_worker.customer_feed("s1") as customer, \
                console_worker.agent_feed(7) as agent:
            await asyncio.sleep(0.1)  # let both subscriptions settle
            console_worker.open(LiveSession("s1", 10, "conv-10", 7, "Alice"))
            assert (await customer.get(5)).kind is LiveKind.AGENT_JOINED
            await until(lambda: web_worker.is_with_agent("s1"))
            assert await web_worker.post_customer_message("s1", "hello from the web worker")
            heard = await agent.get(5)
            assert (heard.kind, heard.text) == (LiveKind.CUSTOMER, "hello from the web worker")
            await console_worker.post_agent_message("s1", 7, "hi from the console worker")
            said = await customer.get(5)
            assert (said.kind, said.text) == (LiveKind.AGENT, "hi from the console worker")
            console_worker.close("s1")
            kinds = [(await customer.get(5)).kind for _ in range(2)]
            assert kinds == [LiveKind.CLOSED, LiveKind.CSAT_REQUEST]
            await until(lambda: not web_worker.is_with_agent("s1"))
            await web_worker.submit_csat("s1", 5, "great")
            assert stored == [(10, 5)]
            assert (await agent.get(5)).data["score"] == 5
            await until(lambda: "s1" not in console_worker._rating)  # noqa: SLF001
    finally:
        await web_worker.stop()
        await console_worker.stop()
