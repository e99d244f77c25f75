"""A simulated contact-centre day, run through the real router (in-process backend).

Arrivals follow an intraday curve with a late-morning and a mid-afternoon peak (the usual
shape of retail contact centres); customers mix tiers, languages, topics, channels and
sentiments; agents have languages, topic proficiencies and per-channel capacity, answer
offers after a few seconds, sometimes decline or miss them (the reservation times out).
The same day (same seed) is replayed under each policy, so only the routing differs.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import random
from dataclasses import dataclass, field
from typing import Any

from routing.config import RoutingConfig
from routing.events import EventKind, RoutingEvent
from routing.memory import InMemoryStore
from routing.model import AgentProfile, Presence, Task
from routing.router import Router

DAY_START, DAY_END = 8 * 3600.0, 20 * 3600.0
TOPICS = ("orders", "billing", "returns", "technical")
# The router's background loop period (offer timeouts, relaxation): the server ticks
# every second (``Router.run(interval=1.0)`` in bot/gateway/console/setup.py).
TICK_SECONDS = 1.0


def arrival_rate(t: float, daily_volume: float) -> float:
    """Contacts per second at time of day ``t``: base load plus two Gaussian peaks."""
    hour = t / 3600.0
    shape = 0.35 + 1.0 * math.exp(-((hour - 10.75) / 1.2) ** 2) \
        + 0.8 * math.exp(-((hour - 15.0) / 1.4) ** 2)
    # The shape integrates to about 8.9 hours of "unit" load over the 12-hour day.
    return daily_volume * shape / (8.9 * 3600.0)


def arrivals(rng: random.Random, daily_volume: float) -> list[float]:
    """Arrival times over the day: a non-homogeneous Poisson process by thinning."""
    peak = max(arrival_rate(DAY_START + s, daily_volume) for s in range(0, 43200, 300)) * 1.05
    times, t = [], DAY_START
    while True:
        t += rng.expovariate(peak)
        if t >= DAY_END:
            return times
        if rng.random() < arrival_rate(t, daily_volume) / peak:
            times.append(t)


@dataclass(frozen=True, slots=True)
class Customer:
    """One simulated contact and its class for the report."""

    task: Task
    handle_seconds: float

    @property
    def klass(self) -> str:
        """Report class: vip, angry (not vip, sentiment <= -0.5) or regular."""
        if self.task.tier == "vip":
            return "vip"
        if (self.task.sentiment or 0.0) <= -0.5:
            return "angry"
        return "regular"


def make_customers(rng: random.Random, daily_volume: float) -> list[Customer]:
    """The day's contacts with their attributes."""
    customers = []
    for i, at in enumerate(arrivals(rng, daily_volume)):
        voice = rng.random() < 0.2
        sentiment = rng.choices([-0.85, -0.6, -0.2, 0.0, 0.4], [0.06, 0.07, 0.2, 0.45, 0.22])[0]
        task = Task(
            task_id=f"c{i}", channel="voice" if voice else "web",
            language=rng.choices(["en", "zh", "es"], [0.8, 0.15, 0.05])[0],
            topic=rng.choices(TOPICS, [0.4, 0.25, 0.2, 0.15])[0],
            tier=rng.choices(["standard", "silver", "gold", "vip"], [0.7, 0.15, 0.07, 0.08])[0],
            sentiment=sentiment, enqueued_at=at)
        mean = 300.0 if voice else 420.0
        customers.append(Customer(task, rng.lognormvariate(math.log(mean) - 0.18, 0.6)))
    return customers


def make_agents(rng: random.Random, count: int) -> list[AgentProfile]:
    """Agents: everyone speaks English, some Chinese or Spanish; proficiency 1-3 per topic."""
    agents = []
    for agent_id in range(1, count + 1):
        langs = {"en"}
        if agent_id % 4 == 0 or rng.random() < 0.1:
            langs.add("zh")
        if agent_id % 7 == 0:
            langs.add("es")
        skills = {t: rng.choices([1, 2, 3], [0.3, 0.45, 0.25])[0] for t in TOPICS}
        agents.append(AgentProfile(agent_id, name=f"agent{agent_id}", languages=frozenset(langs),
                                   skills=skills, capacity={"chat": 2, "voice": 1}))
    return agents


@dataclass
class _Day:
    """Mutable state of one simulated day."""

    router: Router
    rng: random.Random
    clock: list[float]
    customers: dict[str, Customer]
    events: list[tuple[float, int, str, Any]] = field(default_factory=list)
    seq: itertools.count = field(default_factory=itertools.count)
    waits: dict[str, float] = field(default_factory=dict)
    agents: dict[int, AgentProfile] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)  # topic proficiency of who served

    def at(self, when: float, kind: str, payload: Any = None) -> None:
        heapq.heappush(self.events, (when, next(self.seq), kind, payload))


async def simulate_day(policy: str, agents: int = 20, seed: int = 7,
                       daily_volume: float = 3200.0,
                       config: RoutingConfig | None = None,
                       tick_seconds: float = TICK_SECONDS) -> dict[str, Any]:
    """Run one day under ``policy`` (fifo | kefu); returns the report dictionary.

    ``tick_seconds`` is the router loop's period; coarser than the server's 1 s runs faster
    but answers missed offers and relaxes requirements later.
    """
    base = config or RoutingConfig()
    # Simulated customers abandon by their own patience model; none "leaves" silently.
    cfg = base.model_copy(update={"policy": policy, "customer_gone_seconds": None})
    rng = random.Random(seed)
    customers = make_customers(rng, daily_volume)
    profiles = make_agents(rng, agents)
    clock = [DAY_START]
    router = Router(InMemoryStore(), cfg, clock=lambda: clock[0])
    day = _Day(router, random.Random(seed + 1), clock, {c.task.task_id: c for c in customers},
               agents={p.agent_id: p for p in profiles})
    router.events.subscribe(lambda event: _on_event(day, event))
    for profile in profiles:
        await router.register_agent(profile, Presence.AVAILABLE)
    for customer in customers:
        day.at(customer.task.enqueued_at, "arrive", customer)
    tick = DAY_START
    while tick < DAY_END + 6 * 3600:
        day.at(tick, "tick")
        tick += tick_seconds
    while day.events and len(day.waits) < len(customers):
        when, _, kind, payload = heapq.heappop(day.events)
        clock[0] = when
        await _handle(day, kind, payload)
    served = len(day.waits)
    # Customers still waiting when the simulation stops count with their wait so far
    # (censored), so an understaffed day cannot look good by dropping its worst waits.
    for customer in customers:
        day.waits.setdefault(customer.task.task_id, clock[0] - customer.task.enqueued_at)
    return _report(customers, day.waits, day.levels, cfg, policy, agents, seed) | {
        "served": served}


async def _on_event(day: _Day, event: RoutingEvent) -> None:
    if event.kind is EventKind.OFFERED:
        roll = day.rng.random()
        if roll < 0.03:
            return  # missed: the reservation times out and the router reoffers
        action = "decline" if roll < 0.05 else "accept"
        day.at(day.clock[0] + day.rng.uniform(2.0, 10.0), action, (event.task_id, event.agent_id))


async def _handle(day: _Day, kind: str, payload: Any) -> None:
    router = day.router
    if kind == "arrive":
        await router.submit(payload.task)
        await router.dispatch()
    elif kind == "tick":
        await router.tick()
    elif kind == "accept":
        task_id, agent_id = payload
        state = await router.store.get(task_id)
        if state is None or state.agent_id != agent_id or not await router.store.accept(
                task_id, agent_id):
            return
        day.waits[task_id] = day.clock[0] - state.task.enqueued_at
        day.levels[task_id] = day.agents[agent_id].skills.get(state.task.topic or "", 0)
        day.at(day.clock[0] + day.customers[task_id].handle_seconds, "done", task_id)
    elif kind == "decline":
        task_id, agent_id = payload
        if await router.store.release(task_id, agent_id, day.clock[0], decline=True):
            await router.dispatch()
    elif kind == "done":
        await router.complete(payload)
        await router.dispatch()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


def _report(customers: list[Customer], waits: dict[str, float], levels: dict[str, int],
            cfg: RoutingConfig, policy: str, agents: int, seed: int) -> dict[str, Any]:
    by_class: dict[str, list[float]] = {"vip": [], "angry": [], "regular": []}
    skilled: dict[str, list[bool]] = {"vip": [], "angry": [], "regular": []}
    specialist = cfg.matching.relax_topic_level[0][1]  # the level asked for at first
    for customer in customers:
        task_id = customer.task.task_id
        if task_id in waits:
            by_class[customer.klass].append(waits[task_id])
        if task_id in levels:
            skilled[customer.klass].append(levels[task_id] >= specialist)
    everyone = [w for values in by_class.values() for w in values]
    by_class["all"] = everyone
    skilled["all"] = [s for values in skilled.values() for s in values]
    threshold = cfg.service_level_seconds
    return {
        "service_level": round(sum(w <= threshold for w in everyone) / max(len(everyone), 1), 4),
        "service_level_seconds": threshold,
        "classes": {name: {"wait_p50": round(_percentile(v, 0.5), 1),
                           "wait_p90": round(_percentile(v, 0.9), 1), "count": len(v)}
                    for name, v in by_class.items()},
        # Share of each class answered by an agent at the topic level first asked for
        # (what relaxing requirements costs in proficiency).
        "specialist_share": {name: round(sum(v) / max(len(v), 1), 4)
                             for name, v in skilled.items()},
        "policy": policy, "agents": agents, "seed": seed,
        "contacts": len(customers), "served": len(everyone),
    }


def run(policy: str, agents: int = 20, seed: int = 7, **kwargs: Any) -> dict[str, Any]:
    """Synchronous entry point for the CLI and the benchmark."""
    return asyncio.run(simulate_day(policy, agents, seed, **kwargs))
