"""Agent sign-in and tokens against a real server: a login flood's effect on chat, the
lockout after N wrong passwords, and what checking a token costs per request.

Each server is a real process (``create_app`` on ``web.run_app``) on a fresh, migrated,
seeded SQLite file (``tests.e2e.api_world.seed``: agents of each role, three customers).
The per-client limits are off (``KEFU_RATE_LIMIT_LOGIN=''`` and ``_CHAT``, ``_API``) so
the flood is as if it came from many addresses and only the per-account lockout is left.

* chat p50/p90: ``--chats`` sequential "hello" posts to the REST webhook, idle, then for
  ``--seconds`` each (as many sequential posts as fit) while
  ``--flooders`` clients post wrong passwords (``--rate`` a second each; 0: as fast as
  they are answered), (a) all for one account
  (locked after N: no argon2 after that) and (b) each for a new email (an argon2 check on
  every try: the worst case the lockout cannot stop, bounded in production by the
  per-client limit).
* lockout: ``--attempts`` wrong passwords for one account, one after another: how many
  401 before the 429s, and the right password afterwards.
* token check: p50 of ``GET /api/v1/agents/me`` (``--me`` requests) - what every
  authenticated request pays, the token version included.

    flock /work/notes/bench.lock /work/main/.venv/bin/python -m bench.auth.run --baseline main
    ... -m bench.auth.run --postgres postgresql://postgres@127.0.0.1:5432/test

With ``--postgres`` each server gets a fresh database on that server (dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bench.edges.large_posts import checkout, free_port, wait_up

ROOT = Path(__file__).resolve().parents[2]
SERVE = r"""
import asyncio, sys
from pathlib import Path
from aiohttp import web
from bot.gateway.app import create_app
from bot.settings import Settings
from crm_core.schema import upgrade
from tests.e2e.api_world import SECRET, seed
port, db, data = int(sys.argv[1]), sys.argv[2], sys.argv[3]
url = db if "://" in db else f"sqlite+aiosqlite:///{db}"
asyncio.run(upgrade(url))
asyncio.run(seed(url, Settings(database_url=url).config_dir))
app = create_app(Settings(database_url=url, data_dir=Path(data), secret_key=SECRET))
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
"""
PASSWORD = "correct horse battery"  # tests.e2e.api_world.PASSWORD
LOGIN, CHAT, ME = "/api/v1/auth/login", "/webhooks/rest/webhook", "/api/v1/agents/me"


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def chat_latencies(http: aiohttp.ClientSession, base: str, n: int,
                         seconds: float = 0.0) -> list[float]:
    """Seconds per "hello" to the webhook, ``n`` in a row (one new sender each), or as
    many as fit in ``seconds`` when that is given."""
    out: list[float] = []
    deadline = time.perf_counter() + seconds
    i = 0
    while (i < n) if not seconds else (time.perf_counter() < deadline):
        i += 1
        started = time.perf_counter()
        async with http.post(base + CHAT, json={"sender": f"bench-{uuid.uuid4().hex[:8]}-{i}",
                                                "message": "hello"}) as resp:
            await resp.read()
            assert resp.status == 200, resp.status
        out.append(time.perf_counter() - started)
    return out


async def flood(http: aiohttp.ClientSession, base: str, stop: asyncio.Event,
                one_account: bool, counts: dict[int, int], rate: float) -> None:
    """Wrong passwords until ``stop``, ``rate`` a second (0: as fast as answered): for
    agent@kefu.test, or a new email every time."""
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while not stop.is_set():
        if rate:
            next_at += 1 / rate
            await asyncio.sleep(max(0.0, next_at - loop.time()))
        email = "agent@kefu.test" if one_account else f"x{uuid.uuid4().hex[:10]}@kefu.test"
        async with http.post(base + LOGIN, json={"email": email,
                                                 "password": "wrong password!"}) as resp:
            await resp.read()
            counts[resp.status] = counts.get(resp.status, 0) + 1


async def chat_under_flood(http: aiohttp.ClientSession, base: str, args: argparse.Namespace,
                           one_account: bool) -> tuple[list[float], dict[int, int]]:
    stop, counts = asyncio.Event(), {}
    flooders = [asyncio.create_task(flood(http, base, stop, one_account, counts, args.rate))
                for _ in range(args.flooders)]
    await asyncio.sleep(1.0)  # let the flood get going (and the lockout start)
    try:
        return await chat_latencies(http, base, 0, args.seconds), counts
    finally:
        stop.set()
        await asyncio.gather(*flooders)


async def lockout(http: aiohttp.ClientSession, base: str, attempts: int,
                  email: str) -> tuple[int, dict[int, int], int, float]:
    """(401s before the first 429, status counts, status of the right password, s)."""
    statuses, started = [], time.perf_counter()
    for _ in range(attempts):
        async with http.post(base + LOGIN, json={"email": email,
                                                 "password": "not the password"}) as resp:
            statuses.append(resp.status)
    seconds = time.perf_counter() - started
    async with http.post(base + LOGIN, json={"email": email, "password": PASSWORD}) as resp:
        right = resp.status
    before = next((i for i, s in enumerate(statuses) if s != 401), len(statuses))
    counts: dict[int, int] = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return before, counts, right, seconds


async def token_check(http: aiohttp.ClientSession, base: str, n: int) -> list[float]:
    async with http.post(base + LOGIN, json={"email": "supervisor@kefu.test",
                                             "password": PASSWORD}) as resp:
        token = (await resp.json())["access_token"]
    headers, out = {"Authorization": f"Bearer {token}"}, []
    for _ in range(n):
        started = time.perf_counter()
        async with http.get(base + ME, headers=headers) as resp:
            await resp.read()
        out.append(time.perf_counter() - started)
    return out


async def lookup_micro(work: Path, n: int) -> str:
    """In process, SQLite: what the token check reads now (``agents.standing``, one
    primary-key row of four columns) against what it read before (``agents.get_agent``,
    the agent and its skills)."""
    from bot.settings import Settings
    from crm_core.db import create_engine, create_session_factory
    from crm_core.schema import upgrade
    from crm_core.services import agents
    from crm_core.unit_of_work import SqlUnitOfWork
    from tests.e2e.api_world import seed

    url = f"sqlite+aiosqlite:///{work / 'micro.sqlite3'}"
    await upgrade(url)
    world = await seed(url, Settings(database_url=url).config_dir)
    engine = create_engine(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    agent_id, out = world.agents["agent"], []
    try:
        for name, call in (("standing", agents.standing), ("get_agent", agents.get_agent)):
            times = []
            for _ in range(n):
                started = time.perf_counter()
                await call(uow, agent_id)
                times.append(time.perf_counter() - started)
            out.append(f"{name} p50 {pct(times, .5):.3f} ms p90 {pct(times, .9):.3f} ms")
    finally:
        await engine.dispose()
    return f"token lookup in process ({n} each): " + "; ".join(out)


async def run_server(label: str, code_dir: Path, work: Path, nlu_model: Path,
                     args: argparse.Namespace) -> None:
    db, data = str(work / f"{label}.sqlite3"), work / f"{label}-data"
    if args.postgres:
        db = await fresh_postgres(args.postgres)
    (data / "models").mkdir(parents=True)
    (data / "models" / "nlu").symlink_to(nlu_model, target_is_directory=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {"PYTHONPATH": str(code_dir), "KEFU_RATE_LIMIT_CHAT": "",
            "KEFU_RATE_LIMIT_LOGIN": "", "KEFU_RATE_LIMIT_API": ""}
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port), str(db), str(data)],
                            cwd=code_dir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_up(base, proc)
        connector = aiohttp.TCPConnector(limit=args.flooders + 4)
        async with aiohttp.ClientSession(connector=connector) as http:
            await chat_latencies(http, base, 5)  # warm-up
            idle = await chat_latencies(http, base, args.chats)
            one, one_counts = await chat_under_flood(http, base, args, one_account=True)
            many, many_counts = await chat_under_flood(http, base, args, one_account=False)
            before, counts, right, seconds = await lockout(http, base, args.attempts,
                                                           "agent2@kefu.test")
            me = await token_check(http, base, args.me)
        print(f"{label:16} chat p50/p90 ms: idle {pct(idle, .5):6.1f}/{pct(idle, .9):6.1f}"
              f"  one-account flood {pct(one, .5):6.1f}/{pct(one, .9):6.1f} {one_counts}"
              f"  new-email flood {pct(many, .5):6.1f}/{pct(many, .9):6.1f} {many_counts}")
        print(f"{label:16} {args.attempts} wrong passwords for one account in {seconds:.1f}s:"
              f" {before} x 401 before the first refusal, {counts}; right password then"
              f" {right}")
        print(f"{label:16} GET {ME} p50 {pct(me, .5):.2f} ms, p90 {pct(me, .9):.2f} ms"
              f" ({args.me} requests)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if args.postgres:
            await drop_postgres(args.postgres, db)


async def fresh_postgres(admin_url: str) -> str:
    """An empty database on the server of ``admin_url``; its asyncpg URL."""
    import asyncpg

    name = f"kefu_auth_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") \
        + f"/{name}"


async def drop_postgres(admin_url: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision to compare with (e.g. main)")
    parser.add_argument("--chats", type=int, default=100, help="chat posts, idle")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="length of each flood phase (chat posts one after another)")
    parser.add_argument("--flooders", type=int, default=8)
    parser.add_argument("--rate", type=float, default=2.0,
                        help="sign-in attempts a second per flooder (0: as fast as answered)")
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--me", type=int, default=500)
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="run on a fresh PostgreSQL database on this server instead of "
                        "SQLite, e.g. postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    from bot.nlu import train

    with tempfile.TemporaryDirectory(prefix="kefu-auth-bench-") as tmp:
        work = Path(tmp)
        nlu_model = train(out_dir=work / "nlu")
        runs = []
        if args.baseline:
            runs.append((f"base {args.baseline}", checkout(args.baseline, work)))
        runs.append(("this checkout", ROOT))
        print(f"{'PostgreSQL' if args.postgres else 'SQLite'}: "
              f"{args.flooders} flooding clients at {args.rate or 'max'}/s each, "
              f"{args.seconds:g} s per flood phase, per-client limits off; the flood's status"
              " counts in braces")
        for label, code_dir in runs:
            await run_server(label.replace(" ", "-"), code_dir, work, nlu_model, args)
        if not args.postgres:
            print(await lookup_micro(work, args.me))


if __name__ == "__main__":
    asyncio.run(main())
