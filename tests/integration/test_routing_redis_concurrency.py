"""No double assignment on Redis: many workers and agents claim the same queue at once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from routing.config import RoutingConfig
from routing.model import AgentProfile, Presence, Task, TaskStatus
from routing.redis_store import RedisStore
from routing.router import Router

pytestmark = pytest.mark.redis
PREFIX = "test:conc"


async def test_concurrent_claims_of_one_task_have_one_winner(redis_url: str) -> None:
    stores = [RedisStore(redis_url, prefix=PREFIX) for _ in range(4)]
    try:
        for agent_id in range(50):
            await stores[0].put_agent(AgentProfile(agent_id, capacity={"chat": 1}))
            await stores[0].set_presence(agent_id, Presence.AVAILABLE, 0)
        await stores[0].add_task(Task("only", enqueued_at=1))
        results = await asyncio.gather(*(
            stores[a % 4].claim("only", a, 100, 1) for a in range(50)))
        assert sum(results) == 1
        loads = [(await stores[0].agent(a)).load.get("chat", 0) for a in range(50)]
        assert sum(loads) == 1
    finally:
        for store in stores:
            await store.close()


async def test_many_workers_dispatching_never_double_assign(redis_url: str) -> None:
    # Tasks are stamped as queued long ago: no customer counts as gone in this test.
    config = RoutingConfig(customer_gone_seconds=None)
    workers = [Router(RedisStore(redis_url, prefix=PREFIX), config) for _ in range(6)]
    try:
        setup = workers[0]
        for agent_id in range(40):
            capacity = {"chat": 1 + agent_id % 3, "voice": 1}
            await setup.register_agent(AgentProfile(agent_id, capacity=capacity),
                                       Presence.AVAILABLE)
        for i in range(150):  # straight to the store: enqueue() also computes positions
            await setup.store.add_task(Task(f"t{i}", channel="voice" if i % 5 == 0 else "web",
                                            tier="vip" if i % 7 == 0 else "standard",
                                            enqueued_at=1000.0 + i))
        # Every worker plans from the same snapshot, so nearly all their claims collide.
        rounds = await asyncio.gather(*(w.dispatch() for w in workers for _ in range(3)))
        offers = [o for batch in rounds for o in batch]
        per_task = Counter(o.task.task_id for o in offers)
        assert per_task and max(per_task.values()) == 1
        states = {t.task_id: t for t in await setup.store.tasks()}
        offered = [t for t in states.values() if t.status is TaskStatus.OFFERED]
        assert len(offered) == len(offers)
        for agent in await setup.store.agents():
            for kind, used in agent.load.items():
                assert 0 <= used <= agent.profile.capacity.get(kind, 0)
            held = [t for t in offered if t.agent_id == agent.agent_id]
            assert sum(agent.load.values()) == len(held)
        # Rounds that lost their claims to stale plans leave slots; a calm round fills them.
        late = await setup.dispatch()
        chat_slots = sum(1 + a % 3 for a in range(40))  # 79 chat slots for 120 chat tasks
        assert len(offers) + len(late) == 30 + chat_slots
    finally:
        for w in workers:
            await w.store.close()
