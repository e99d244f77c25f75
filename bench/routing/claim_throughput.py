"""Claim throughput: drain 10k queued customers through 500 agents, both backends.

    .venv/bin/python bench/routing/claim_throughput.py [--tasks 10000] [--agents 500]
        [--backend memory redis] [--workers 4] [--redis-url redis://127.0.0.1:6379/14]

Each round every worker runs ``Router.dispatch`` concurrently (plan from a snapshot, then
atomic claims; with ``--lease`` only the worker holding the round lease does), agents accept, and the accepted conversations finish; rounds repeat until
the queue is empty. Reports rounds, wall time, offers/second and whether any task was
offered twice (it must never be).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter

from routing.config import RoutingConfig
from routing.model import AgentProfile, Presence, Task
from routing.router import Router

TOPICS = ("orders", "billing", "returns", "technical")


def _tasks(count: int, rng: random.Random) -> list[Task]:
    return [Task(f"t{i}", channel="voice" if rng.random() < 0.2 else "web",
                 language=rng.choices(["en", "zh"], [0.85, 0.15])[0],
                 topic=rng.choice(TOPICS), tier=rng.choices(["standard", "vip"], [0.9, 0.1])[0],
                 sentiment=rng.choice([-0.8, 0.0, 0.3]), enqueued_at=1000.0 + i * 0.01,
                 sla_due_at=1300.0 + i * 0.01) for i in range(count)]


def _agents(count: int, rng: random.Random) -> list[AgentProfile]:
    return [AgentProfile(a, languages=frozenset({"en", "zh"} if a % 4 == 0 else {"en"}),
                         skills={t: rng.randint(1, 3) for t in TOPICS},
                         capacity={"chat": 3, "voice": 1}) for a in range(1, count + 1)]


async def _store(backend: str, url: str):
    if backend == "memory":
        from routing.memory import InMemoryStore
        return InMemoryStore()
    from routing.redis_store import RedisStore
    store = RedisStore(url, prefix="bench:routing", max_connections=64)
    await store._redis.flushdb()  # noqa: SLF001 - the bench owns this database
    return store


async def bench(backend: str, tasks: int, agents: int, workers: int, url: str,
                lease: bool) -> dict:
    """Drain ``tasks`` through ``agents``; returns timing and correctness figures."""
    rng = random.Random(1)
    clock = [2000.0]
    config = RoutingConfig()
    stores = [await _store(backend, url)]
    if backend == "redis":
        from routing.redis_store import RedisStore  # more workers, each its own connections
        stores += [RedisStore(url, prefix="bench:routing") for _ in range(workers - 1)]
    else:
        stores *= workers  # one process: workers share the in-memory store
    routers = [Router(s, config, clock=lambda: clock[0]) for s in stores]
    setup = routers[0]
    for profile in _agents(agents, rng):
        await setup.register_agent(profile, Presence.AVAILABLE)
    batch = _tasks(tasks, rng)
    for i in range(0, len(batch), 500):
        await asyncio.gather(*(setup.store.add_task(t) for t in batch[i:i + 500]))
    offered: Counter[str] = Counter()
    rounds, started = 0, time.perf_counter()
    claim_seconds = 0.0
    while True:
        if lease:
            await asyncio.sleep(0.06)  # let the previous round's lease lapse (not timed)
        t0 = time.perf_counter()
        active = [r for r in routers if not lease or await r.store.lead_round(0.05)]
        results = await asyncio.gather(*(r.dispatch() for r in active))
        claim_seconds += time.perf_counter() - t0
        offers = [o for batch_ in results for o in batch_]
        if not offers:
            break
        rounds += 1
        offered.update(o.task.task_id for o in offers)
        await asyncio.gather(*(setup.store.accept(o.task.task_id, o.agent_id) for o in offers))
        clock[0] += 60
        await asyncio.gather(*(setup.store.finish(o.task.task_id, clock[0]) for o in offers))
    wall = time.perf_counter() - started
    left = len(await setup.store.tasks())
    for store in {id(s): s for s in stores}.values():
        await store.close()
    return {"backend": backend, "workers": workers, "round_lease": lease, "tasks": tasks, "agents": agents,
            "rounds": rounds, "offers": sum(offered.values()), "left_in_queue": left,
            "double_offers": sum(1 for n in offered.values() if n > 1),
            "dispatch_seconds": round(claim_seconds, 2), "wall_seconds": round(wall, 2),
            "offers_per_second": round(sum(offered.values()) / claim_seconds, 1)}


def main() -> None:
    """Run the benchmark for each backend and print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backend", nargs="+", default=["memory", "redis"])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--lease", action="store_true",
                        help="workers take the round lease (as Router.run does) instead of all "
                             "dispatching at once")
    args = parser.parse_args()
    for backend in args.backend:
        print(asyncio.run(bench(backend, args.tasks, args.agents, args.workers, args.redis_url,
                                 args.lease)))


if __name__ == "__main__":
    main()
