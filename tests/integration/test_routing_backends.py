"""The same queue behaviour on both backends: in-process and Redis (real server, db 15)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from routing.config import RoutingConfig
from routing.errors import AgentUnavailable, OfferNotHeld, TaskNotFound
from routing.events import EventKind, RoutingEvent
from routing.memory import InMemoryStore
from routing.model import AgentProfile, Presence, Task, TaskStatus
from routing.router import Router


class Clock:
    """A hand-driven clock."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """None for the in-process backend, else the test Redis URL."""
    return None if request.param == "memory" else request.getfixturevalue("redis_url")


@pytest.fixture
async def router(backend_url: str | None) -> AsyncIterator[Router]:
    if backend_url is None:
        store = InMemoryStore()
    else:
        from routing.redis_store import RedisStore

        store = RedisStore(backend_url, prefix="test:routing")
    r = Router(store, RoutingConfig(offer_timeout_seconds=30), clock=Clock())
    yield r
    await store.close()


def profile(agent_id: int, **kw) -> AgentProfile:
    kw.setdefault("capacity", {"chat": 2, "voice": 1})
    return AgentProfile(agent_id, name=f"a{agent_id}", **kw)


async def online(router: Router, *ids: int, **kw) -> None:
    for agent_id in ids:
        await router.register_agent(profile(agent_id, **kw), Presence.AVAILABLE)


async def test_enqueue_reports_position_and_wait_and_stamps_sla(router: Router) -> None:
    first = await router.enqueue(Task("a"))
    second = await router.enqueue(Task("b"))
    vip = await router.enqueue(Task("v", tier="vip"))
    assert (first.position, second.position, vip.position) == (1, 2, 1)
    assert (await router.position("a")).position == 2
    assert (await router.position("b")).estimated_wait_seconds > 0
    state = await router.store.get("a")
    assert state.task.sla_due_at == pytest.approx(router.clock() + 300)
    assert await router.store.add_task(Task("a", enqueued_at=1)) is False
    with pytest.raises(TaskNotFound):
        await router.position("nope")


async def test_offer_accept_complete_frees_the_slot(router: Router) -> None:
    await online(router, 1, capacity={"chat": 1})
    await router.enqueue(Task("a"))
    await router.enqueue(Task("b"))
    offers = await router.dispatch()
    assert [(o.task.task_id, o.agent_id) for o in offers] == [("a", 1)]
    assert await router.dispatch() == []  # agent full
    state = await router.accept("a", 1)
    assert state.status is TaskStatus.ASSIGNED
    with pytest.raises(OfferNotHeld):
        await router.accept("a", 1)
    await router.complete("a", 1)
    assert await router.store.get("a") is None
    assert [o.task.task_id for o in await router.dispatch()] == ["b"]


async def test_unanswered_offer_times_out_and_goes_to_another_agent(router: Router) -> None:
    await online(router, 1)
    await router.enqueue(Task("a"))
    (offer,) = await router.dispatch()
    await online(router, 2)
    router.clock.now += 29
    assert await router.expire_offers() == []
    router.clock.now += 2
    assert await router.expire_offers() == ["a"]
    with pytest.raises(OfferNotHeld):
        await router.accept("a", offer.agent_id)
    (again,) = await router.dispatch()
    assert again.agent_id != offer.agent_id
    assert (await router.store.agent(offer.agent_id)).load.get("chat", 0) == 0


async def test_priority_offer_has_a_shorter_reservation(router: Router) -> None:
    await online(router, 1, 2)
    await router.enqueue(Task("v", tier="vip"))
    await router.enqueue(Task("a"))
    offers = {o.task.task_id: o for o in await router.dispatch()}
    now = router.clock()
    assert offers["v"].expires_at == pytest.approx(now + 15)
    assert offers["a"].expires_at == pytest.approx(now + 30)
    assert (await router.store.get("v")).offer_expires_at == pytest.approx(now + 15)
    router.clock.now += 16
    assert await router.expire_offers() == ["v"]
    (again,) = await router.dispatch()
    assert again.task.task_id == "v" and again.agent_id != offers["v"].agent_id


async def test_decline_goes_to_someone_else_first(router: Router) -> None:
    await online(router, 1, 2)
    await router.enqueue(Task("a"))
    (offer,) = await router.dispatch()
    await router.decline("a", offer.agent_id)
    (second,) = await router.dispatch()
    assert second.agent_id != offer.agent_id
    await router.decline("a", second.agent_id)
    assert (await router.store.get("a")).declined_by == {1, 2}
    assert await router.dispatch() == []  # both just declined: they back off a moment
    # Everyone able declined: the customer is not stranded, it is offered again.
    router.clock.now += router.config.offer_backoff.base_seconds
    (third,) = await router.dispatch()
    assert third.agent_id in (1, 2)


async def test_declining_agent_backs_off_exponentially_until_it_accepts(
        router: Router) -> None:
    await online(router, 1, capacity={"chat": 1})
    await router.enqueue(Task("a"))
    base = router.config.offer_backoff.base_seconds
    start = router.clock.now
    for refusals, pause in ((1, base), (2, 2 * base), (3, 4 * base)):
        (offer,) = await router.dispatch()
        await router.decline("a", offer.agent_id)
        assert (await router.store.agent(1)).refusals == refusals
        router.clock.now += pause - 0.1
        assert await router.dispatch() == []  # still backing off
        router.clock.now += 0.1
    (offer,) = await router.dispatch()
    assert router.clock.now - start == pytest.approx(7 * base)
    await router.accept("a", 1)
    assert (await router.store.agent(1)).refusals == 0  # an accept starts over
    await router.complete("a", 1)
    await router.enqueue(Task("b"))
    (offer,) = await router.dispatch()
    await router.decline("b", 1)
    router.clock.now += base
    assert [o.task.task_id for o in await router.dispatch()] == ["b"]


async def test_agents_are_registered_again_when_the_store_forgets_them(
        router: Router, backend_url: str | None) -> None:
    await online(router, 1)
    await router.register_agent(profile(2))  # known here, but offline
    await router.set_presence(1, Presence.AWAY)
    await router.set_presence(1, Presence.AVAILABLE)
    if backend_url is None:  # what a Redis restarted without persistence does
        router.store._agents.clear()  # noqa: SLF001
    else:
        await router.store._redis.flushdb()  # noqa: SLF001
    assert await router.store.agents() == []
    assert await router.restore_roster() == [1]
    assert (await router.store.agent(1)).presence is Presence.AVAILABLE
    await router.enqueue(Task("a"))
    (offer,) = await router.dispatch()
    assert offer.agent_id == 1
    assert await router.restore_roster() == []  # nothing missing any more


async def test_skills_route_to_the_right_agent(router: Router) -> None:
    await online(router, 1, languages=frozenset({"en"}), skills={"billing": 3})
    await online(router, 2, languages=frozenset({"en", "zh"}), skills={"billing": 1})
    await router.enqueue(Task("zh", language="zh", topic="billing"))
    await router.enqueue(Task("bill", topic="billing"))
    offers = {o.task.task_id: o.agent_id for o in await router.dispatch()}
    assert offers == {"bill": 1}  # agent 2 too junior for zh billing at first
    router.clock.now += 61
    offers = {o.task.task_id: o.agent_id for o in await router.dispatch()}
    assert offers == {"zh": 2}


async def test_agent_going_offline_requeues_its_tasks(router: Router) -> None:
    await online(router, 1)
    await router.enqueue(Task("a"))
    await router.enqueue(Task("b"))
    await router.dispatch()
    await router.accept("a", 1)
    assert sorted(await router.set_presence(1, Presence.OFFLINE)) == ["a", "b"]
    assert {t.status for t in await router.store.tasks()} == {TaskStatus.WAITING}
    assert await router.dispatch() == []
    await online(router, 2)
    assert len(await router.dispatch()) == 2


async def test_away_agents_get_no_new_offers(router: Router) -> None:
    await online(router, 1)
    await router.set_presence(1, Presence.AWAY)
    await router.enqueue(Task("a"))
    assert await router.dispatch() == []


async def test_voice_and_chat_capacity_are_separate(router: Router) -> None:
    await online(router, 1, capacity={"chat": 1, "voice": 1})
    for task_id, channel in (("c1", "web"), ("c2", "web"), ("v1", "voice"), ("v2", "phone")):
        await router.enqueue(Task(task_id, channel=channel))
    assert sorted(o.task.task_id for o in await router.dispatch()) == ["c1", "v1"]
    agent = await router.store.agent(1)
    assert agent.load == {"chat": 1, "voice": 1}


async def test_transfer_to_agent_and_to_queue(router: Router) -> None:
    await online(router, 1, 2)
    await router.enqueue(Task("a"))
    (offer,) = await router.dispatch()
    other = 2 if offer.agent_id == 1 else 1
    await router.accept("a", offer.agent_id)
    moved = await router.transfer_to_agent("a", offer.agent_id, other)
    assert moved.agent_id == other
    assert (await router.store.agent(offer.agent_id)).load.get("chat", 0) == 0
    with pytest.raises(OfferNotHeld):
        await router.transfer_to_agent("a", offer.agent_id, other)
    await router.accept("a", other)
    await router.set_presence(offer.agent_id, Presence.AWAY)
    with pytest.raises(AgentUnavailable):
        await router.transfer_to_agent("a", other, offer.agent_id)
    position = await router.transfer_to_queue("a", other, topic="billing")
    assert position.position == 1
    state = await router.store.get("a")
    assert state.task.topic == "billing" and state.status is TaskStatus.WAITING
    assert other in state.declined_by


async def test_cancel_removes_and_events_are_published(router: Router) -> None:
    seen: list[RoutingEvent] = []

    async def listen(event: RoutingEvent) -> None:
        seen.append(event)

    unsubscribe = router.events.subscribe(listen)
    await online(router, 1)
    await router.enqueue(Task("a"))
    await router.dispatch()
    await router.cancel("a")
    unsubscribe()
    await router.enqueue(Task("b"))
    assert [e.kind for e in seen] == [EventKind.QUEUED, EventKind.OFFERED, EventKind.FINISHED]
    assert (await router.store.agent(1)).load.get("chat", 0) == 0


async def test_snapshot_shows_breaches_and_load(router: Router) -> None:
    await online(router, 1, capacity={"chat": 1})
    await router.enqueue(Task("a"))
    await router.enqueue(Task("b", tier="vip"))
    await router.dispatch()
    router.clock.now += 120
    snap = await router.snapshot()
    assert [t.task_id for t in snap.waiting] == ["a"]
    assert [t.task_id for t in snap.offered] == ["b"]
    assert snap.longest_wait() == pytest.approx(120)
    assert snap.sla_breaches == []
    router.clock.now += 200
    assert [t.task_id for t in (await router.snapshot()).sla_breaches] == ["a"]


async def test_sla_warning_then_breach_once_each(router: Router) -> None:
    await router.enqueue(Task("a"))  # standard: 300 s first-response target
    router.clock.now += 100
    assert await router.watch_sla() == []
    router.clock.now += 100  # 100 s left, inside the 120 s warning window
    (warning,) = await router.watch_sla()
    assert warning.kind is EventKind.SLA_WARNING and warning.data["due_in_seconds"] == 100
    assert await router.watch_sla() == []
    router.clock.now += 101
    (breach,) = await router.watch_sla()
    assert breach.kind is EventKind.SLA_BREACHED
    assert await router.watch_sla() == []
