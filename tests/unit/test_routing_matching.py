"""Skills matching, agent selection and the greedy plan (pure functions, no backend)."""

from __future__ import annotations

from routing.config import RoutingConfig
from routing.matching import choose_agent, is_eligible, required_level, skill_fit
from routing.model import AgentProfile, AgentState, Presence, Task, TaskState
from routing.policy import plan

CFG = RoutingConfig()


def agent(agent_id: int, *, langs=("en",), skills=None, chat=3, voice=1, load=None,
          presence=Presence.AVAILABLE, last=0.0) -> AgentState:
    profile = AgentProfile(agent_id, languages=frozenset(langs), skills=skills or {},
                           capacity={"chat": chat, "voice": voice})
    return AgentState(profile, presence=presence, load=load or {}, last_activity=last)


def waiting(task_id: str, **kw) -> TaskState:
    return TaskState(Task(task_id=task_id, **kw))


def test_required_level_relaxes_with_the_wait() -> None:
    t = Task("t", topic="billing", enqueued_at=0)
    assert [required_level(t, s, CFG.matching) for s in (0, 59, 60, 179, 180)] == [2, 2, 1, 1, 0]
    assert required_level(Task("t"), 0, CFG.matching) == 0


def test_language_is_required_and_topic_level_relaxes() -> None:
    zh_task = Task("t", language="zh", topic="billing", enqueued_at=0)
    novice = agent(1, langs=("en", "zh"), skills={"billing": 1})
    english_expert = agent(2, skills={"billing": 3})
    assert not skill_fit(novice, zh_task, 10, CFG.matching)
    assert skill_fit(novice, zh_task, 61, CFG.matching)
    assert not skill_fit(english_expert, zh_task, 10_000, CFG.matching)


def test_language_fallback_to_english_when_configured() -> None:
    cfg = RoutingConfig.model_validate({"matching": {"relax_language_seconds": 120}})
    t = Task("t", language="es", enqueued_at=0)
    assert not skill_fit(agent(1), t, 100, cfg.matching)
    assert skill_fit(agent(1), t, 130, cfg.matching)


def test_capacity_presence_and_declines_make_ineligible() -> None:
    chat = waiting("c")
    assert is_eligible(agent(1), chat, 0, CFG.matching)
    assert not is_eligible(agent(1, load={"chat": 3}), chat, 0, CFG.matching)
    assert is_eligible(agent(1, load={"chat": 3}), waiting("v", channel="voice"), 0, CFG.matching)
    assert not is_eligible(agent(1, presence=Presence.AWAY), chat, 0, CFG.matching)
    declined = TaskState(Task("c"), declined_by=frozenset({1}))
    assert not is_eligible(agent(1), declined, 0, CFG.matching)


def test_choose_longest_idle_or_least_busy() -> None:
    busy_but_idle_long = agent(1, load={"chat": 2}, last=10)
    free_recent = agent(2, last=50)
    t = Task("t")
    assert choose_agent([busy_but_idle_long, free_recent], t, "longest_idle").agent_id == 1
    assert choose_agent([busy_but_idle_long, free_recent], t, "least_busy").agent_id == 2
    assert choose_agent([], t, "least_busy") is None


def test_plan_serves_priority_first_and_respects_capacity() -> None:
    tasks = [waiting("std", enqueued_at=0), waiting("vip", tier="vip", enqueued_at=50)]
    one_slot = [agent(1, chat=1)]
    assert [a.task_id for a in plan(tasks, one_slot, 60, CFG)] == ["vip"]
    fifo = RoutingConfig(policy="fifo")
    assert [a.task_id for a in plan(tasks, one_slot, 60, fifo)] == ["std"]
    many = plan([waiting(f"t{i}", enqueued_at=i) for i in range(10)], [agent(1), agent(2)], 20, CFG)
    assert len(many) == 6
    assert {a.agent_id for a in many} == {1, 2}


def test_plan_spreads_over_idle_agents_and_skips_unservable() -> None:
    tasks = [waiting("zh", language="zh", enqueued_at=0), waiting("a", enqueued_at=1),
             waiting("b", enqueued_at=2)]
    agents = [agent(1, last=5), agent(2, last=1)]
    decisions = plan(tasks, agents, 10, CFG)
    assert [(d.task_id, d.agent_id) for d in decisions] == [("a", 2), ("b", 1)]


def test_plan_least_busy_prefers_the_emptier_agent() -> None:
    cfg = RoutingConfig(selection="least_busy")
    agents = [agent(1, load={"chat": 2}, last=0), agent(2, load={"chat": 1}, last=50)]
    decisions = plan([waiting("a", enqueued_at=0), waiting("b", enqueued_at=1)], agents, 60, cfg)
    # Agent 2 is less busy, takes "a"; then both are at 2 chats of 3 and agent 1 has idled
    # longer, so it takes "b".
    assert [(d.task_id, d.agent_id) for d in decisions] == [("a", 2), ("b", 1)]


def test_plan_offers_a_declined_task_again_when_nobody_else_can() -> None:
    declined = TaskState(Task("t"), declined_by=frozenset({1}))
    assert [(d.task_id, d.agent_id) for d in plan([declined], [agent(1)], 0, CFG)] == [("t", 1)]
    both = [agent(1), agent(2, last=5)]
    assert [d.agent_id for d in plan([declined], both, 0, CFG)] == [2]


def test_the_last_free_slot_is_left_to_priority_work_until_the_wait_yields() -> None:
    team = [agent(i, chat=2, voice=0) for i in range(1, 6)]  # 10 chat slots: 1 reserved
    regular = [waiting(f"r{i}", enqueued_at=i) for i in range(12)]
    assert len(plan(regular, team, 20, CFG)) == 9
    with_vip = plan(regular + [waiting("v", tier="vip", enqueued_at=15)], team, 20, CFG)
    # The VIP is served first; regular work still leaves the last free slot.
    assert len(with_vip) == 9 and with_vip[0].task_id == "v"
    angry = plan(regular + [waiting("x", sentiment=-0.8, enqueued_at=16)], team, 20, CFG)
    assert "x" in {a.task_id for a in angry}
    # A regular customer who has waited 180 s may take the reserved slot ...
    assert len(plan(regular, team, 200, CFG)) == 10
    # ... FIFO reserves nothing, and neither does a team with fewer than 10 slots.
    assert len(plan(regular, team, 20, RoutingConfig(policy="fifo"))) == 10
    assert len(plan(regular, team[:4], 20, CFG)) == 8
    never = RoutingConfig.model_validate(
        {"priority_work": {"reserved_slots": {"chat": 1}, "reserve_yields_after_seconds": None}})
    assert len(plan(regular, team, 10_000, never)) == 9


def test_bilingual_agents_are_kept_for_the_customers_who_need_them() -> None:
    bilingual, english = agent(1, langs=("en", "zh"), last=0), agent(2, last=10)
    en = [waiting("en", enqueued_at=0)]
    assert [d.agent_id for d in plan(en, [bilingual, english], 20, CFG)] == [2]
    lb = RoutingConfig(selection="least_busy")
    assert [d.agent_id for d in plan(en, [bilingual, english], 20, lb)] == [2]
    off = RoutingConfig.model_validate({"matching": {"prefer_fewer_languages": False}})
    assert [d.agent_id for d in plan(en, [bilingual, english], 20, off)] == [1]
    # With the English-only agent full, the bilingual one takes the chat rather than nobody.
    full = agent(2, load={"chat": 3}, last=10)
    assert [d.agent_id for d in plan(en, [bilingual, full], 20, CFG)] == [1]
    both = en + [waiting("zh", language="zh", enqueued_at=1)]
    decisions = plan(both, [bilingual, english], 20, CFG)
    assert {(d.task_id, d.agent_id) for d in decisions} == {("en", 2), ("zh", 1)}


def test_priority_work_gets_a_less_specialised_agent_sooner() -> None:
    junior = agent(1, skills={"billing": 1})
    vip = waiting("v", tier="vip", topic="billing", enqueued_at=0)
    std = waiting("s", topic="billing", enqueued_at=0)
    assert plan([vip], [junior], 4, CFG) == []  # a few seconds for a specialist first
    assert [d.task_id for d in plan([vip, std], [junior], 6, CFG)] == ["v"]
    assert plan([vip], [junior], 6, RoutingConfig(policy="fifo")) == []
    novice = agent(2, skills={})
    assert plan([vip], [novice], 29, CFG) == []
    assert [d.task_id for d in plan([vip], [novice], 31, CFG)] == ["v"]


def test_seconds_until_fit_waits_for_the_relaxation_that_lets_a_free_agent_in() -> None:
    from routing.matching import seconds_until_fit

    t = Task("t", topic="product", enqueued_at=0)
    novice, expert = agent(1, skills={"product": 1}), agent(2, skills={"product": 3})
    assert seconds_until_fit([expert], t, 10, CFG.matching) == 0
    assert seconds_until_fit([novice], t, 10, CFG.matching) == 50  # level 1 from 60 s
    assert seconds_until_fit([agent(3)], t, 10, CFG.matching) == 170  # anyone from 180 s
    assert seconds_until_fit([agent(4, langs=("zh",))], t, 10, CFG.matching) is None


async def test_the_wait_customers_are_told_matches_when_they_will_be_offered() -> None:
    """A free agent without the topic's level is not "now": the estimate is the time until
    the requirement relaxes (the 'about 1 min' told while nobody could be offered, #18)."""
    from routing.memory import InMemoryStore
    from routing.router import Router

    now = [1000.0]
    router = Router(InMemoryStore(), CFG, clock=lambda: now[0])
    await router.register_agent(AgentProfile(1, skills={"product": 1}, capacity={"chat": 2}),
                                Presence.AVAILABLE)
    await router.enqueue(Task("t", topic="product", enqueued_at=now[0]))
    assert (await router.position("t")).estimated_wait_seconds == 60
    now[0] += 45
    assert (await router.position("t")).estimated_wait_seconds == 15
    await router.enqueue(Task("u", enqueued_at=now[0]))  # no topic: the free agent, now
    assert (await router.position("u")).estimated_wait_seconds == 0


async def test_a_chat_customer_who_left_is_not_offered_until_back() -> None:
    from routing.events import EventKind
    from routing.memory import InMemoryStore
    from routing.router import Router

    now = [1000.0]
    router = Router(InMemoryStore(), RoutingConfig(customer_gone_seconds=300),
                    clock=lambda: now[0])
    heard: list = []

    async def listen(event) -> None:  # noqa: ANN001
        heard.append(event.kind)

    router.events.subscribe(listen)
    await router.enqueue(Task("chat", sender_id="s1", enqueued_at=now[0]))
    await router.enqueue(Task("call", channel="voice", sender_id="s2", enqueued_at=now[0]))
    now[0] += 200
    await router.seen(["s1"])  # wrote at 1200
    now[0] += 250  # 250 s since the last sign: still there
    assert await router.watch_gone() == []
    now[0] += 100
    assert await router.watch_gone() == ["chat"]  # the call is never "gone"
    assert await router.watch_gone() == []  # reported once
    assert EventKind.CUSTOMER_GONE in heard
    await router.register_agent(AgentProfile(1, capacity={"chat": 2, "voice": 1}),
                                Presence.AVAILABLE)
    assert [o.task.task_id for o in await router.dispatch()] == ["call"]
    assert (await router.position("chat")).position == 0
    assert await router.seen(["s1"]) == ["chat"]
    assert EventKind.CUSTOMER_BACK in heard
    assert [o.task.task_id for o in await router.dispatch()] == ["chat"]
