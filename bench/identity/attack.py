"""The identity takeover of issue #15, as an attacker plays it: knowing only a customer's
email, guess sequential order numbers, one new conversation per guess (so the three
tries per conversation never bite), through the real server's Rasa REST channel. For this
checkout and (``--baseline REV``) another revision, in one run.

The CRM holds ``--orders`` orders numbered in sequence; the victim's is the one at
``--position``. Printed: guesses made, whether the attacker got verified and after how many
guesses and seconds, and the guess at which the first lockout answered. The chat rate
limit is off in both servers (``KEFU_RATE_LIMIT_CHAT=''``): a real attacker spreads the
requests over many addresses, and this measures the identity limits alone.

    flock /work/notes/bench.lock .venv/bin/python -m bench.identity.attack --baseline 30bfdb9
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.edges.large_posts import ROOT, checkout, free_port, wait_up

SERVE = r"""
import asyncio, sys
from decimal import Decimal
from pathlib import Path
from aiohttp import web
from bot.gateway.app import create_app
from bot.settings import Settings
from crm_core.db import create_engine, create_session_factory
from crm_core.schema import upgrade
from crm_core.services import customers, orders
from crm_core.unit_of_work import SqlUnitOfWork
port, db, data, n, position = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
url = f"sqlite+aiosqlite:///{db}"

async def seed():
    await upgrade(url)
    engine = create_engine(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    await customers.create_product(uow, customers.NewProduct(
        sku="MUG-1", name="Mug", price=Decimal("3.50"), stock=10**6, category="kitchen"),
        actor="system")
    victim = await customers.create_customer(uow, customers.NewCustomer(
        name="Vic Tim", email="victim@example.com"), actor="system")
    other = await customers.create_customer(uow, customers.NewCustomer(
        name="Other", email="other@example.com"), actor="system")
    for i in range(n):
        owner = victim.id if i == position else other.id
        await orders.place_order(uow, owner, [orders.NewOrderLine("MUG-1", 1)],
                                 "1 High St, London", actor="system")
    await engine.dispose()

asyncio.run(seed())
app = create_app(Settings(database_url=url, data_dir=Path(data),
                          secret_key="bench-secret-key-0123456789-abcdefgh"))
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
"""


async def attack(label: str, code_dir: Path, work: Path, nlu_model: Path, orders: int,
                 position: int, max_guesses: int) -> dict[str, object]:
    db, data = work / f"{label}.sqlite3", work / f"{label}-data"
    (data / "models").mkdir(parents=True)
    (data / "models" / "nlu").symlink_to(nlu_model, target_is_directory=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {"PYTHONPATH": str(code_dir), "KEFU_RATE_LIMIT_CHAT": ""}
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port), str(db), str(data),
                             str(orders), str(position)], cwd=code_dir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    result: dict[str, object] = {"label": label, "verified_at": None, "locked_at": None}
    try:
        await wait_up(f"http://127.0.0.1:{port}", proc, timeout=300)
        async with aiohttp.ClientSession() as http:
            started = time.perf_counter()
            guesses = 0
            for guesses in range(1, max_guesses + 1):
                number = f"KF-{100000 + guesses}"
                sender = f"attacker-{label}-{guesses}"
                async with http.post(base, json={"sender": sender, "message":
                                     f'/order_status{{"order_number": "{number}"}}'}) as resp:
                    await resp.read()
                async with http.post(base, json={"sender": sender,
                                                 "message": "victim@example.com"}) as resp:
                    said = " ".join(i.get("text", "") for i in await resp.json())
                if "verified" in said:
                    result["verified_at"] = guesses
                    break
                if result["locked_at"] is None and "can't check identities" in said:
                    result["locked_at"] = guesses
            result["guesses"] = guesses
            result["seconds"] = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--position", type=int, default=120,
                        help="index of the victim's order among them (0-based)")
    parser.add_argument("--max-guesses", type=int, default=300)
    parser.add_argument("--baseline", help="git revision to compare with (e.g. 30bfdb9)")
    args = parser.parse_args()
    from bot.nlu import train

    with tempfile.TemporaryDirectory(prefix="kefu-identity-attack-") as tmp:
        work = Path(tmp)
        nlu_model = train(out_dir=work / "nlu")
        runs = []
        if args.baseline:
            runs.append((f"baseline {args.baseline}", checkout(args.baseline, work)))
        runs.append(("this checkout", ROOT))
        print(f"victim's order: KF-{100001 + args.position} of {args.orders}; "
              f"one conversation per guess, up to {args.max_guesses} guesses")
        print(f"{'server':22} {'guesses':>8} {'taken over':>12} {'first lockout':>14} "
              f"{'time':>8}")
        for label, code_dir in runs:
            r = await attack(label.split()[0], code_dir, work, nlu_model, args.orders,
                             args.position, args.max_guesses)
            taken = f"at guess {r['verified_at']}" if r["verified_at"] else "no"
            locked = f"guess {r['locked_at']}" if r["locked_at"] else "never"
            print(f"{label:22} {r['guesses']:>8} {taken:>12} {locked:>14} "
                  f"{r['seconds']:>7.1f}s")


if __name__ == "__main__":
    asyncio.run(main())
