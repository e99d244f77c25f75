"""Property test: whatever agents and customers do, the queue's books stay balanced."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_core.errors import KefuError
from routing.config import RoutingConfig
from routing.memory import InMemoryStore
from routing.model import AgentProfile, Presence, Task, TaskStatus
from routing.router import Router

AGENTS = (1, 2, 3)
OPS = st.lists(st.one_of(
    st.tuples(st.just("enqueue"), st.integers(0, 9), st.sampled_from(["web", "voice"]),
              st.sampled_from(["standard", "vip"])),
    st.tuples(st.just("dispatch")),
    st.tuples(st.sampled_from(["accept", "decline", "complete", "to_queue"]),
              st.integers(0, 9), st.sampled_from(AGENTS)),
    st.tuples(st.just("transfer"), st.integers(0, 9), st.sampled_from(AGENTS),
              st.sampled_from(AGENTS)),
    st.tuples(st.just("presence"), st.sampled_from(AGENTS), st.sampled_from(list(Presence))),
    st.tuples(st.just("wait"), st.integers(1, 40)),
), max_size=40)


async def _play(ops: list[tuple]) -> None:
    now = [1000.0]
    router = Router(InMemoryStore(), RoutingConfig(offer_timeout_seconds=30),
                    clock=lambda: now[0])
    for agent_id in AGENTS:
        await router.register_agent(AgentProfile(agent_id, capacity={"chat": 2, "voice": 1}),
                                    Presence.AVAILABLE)
    for op in ops:
        try:
            if op[0] == "enqueue":
                await router.enqueue(Task(f"t{op[1]}", channel=op[2], tier=op[3]))
            elif op[0] == "dispatch":
                await router.dispatch()
            elif op[0] == "accept":
                await router.accept(f"t{op[1]}", op[2])
            elif op[0] == "decline":
                await router.decline(f"t{op[1]}", op[2])
            elif op[0] == "complete":
                await router.complete(f"t{op[1]}", op[2])
            elif op[0] == "to_queue":
                await router.transfer_to_queue(f"t{op[1]}", op[2])
            elif op[0] == "transfer":
                await router.transfer_to_agent(f"t{op[1]}", op[2], op[3])
            elif op[0] == "presence":
                await router.set_presence(op[1], op[2])
            else:
                now[0] += op[1]
                await router.tick()
        except KefuError:
            pass  # refusals (not held, not found, unavailable) are part of the game
        await _check(router)


async def _check(router: Router) -> None:
    tasks = await router.store.tasks()
    for agent in await router.store.agents():
        held = [t for t in tasks if t.agent_id == agent.agent_id]
        for kind in ("chat", "voice"):
            used = sum(1 for t in held if t.task.kind == kind)
            assert agent.load.get(kind, 0) == used
            assert used <= agent.profile.capacity.get(kind, 0)
        if agent.presence is Presence.OFFLINE:
            assert held == []
    for state in tasks:
        assert (state.status is TaskStatus.WAITING) == (state.agent_id is None)
        assert (state.status is TaskStatus.OFFERED) == (state.offer_expires_at is not None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_loads_match_held_tasks_and_never_exceed_capacity(ops: list[tuple]) -> None:
    asyncio.run(_play(ops))
