"""The identity-guessing attack of issue #15 against a real server: with only a customer's
email, try sequential order numbers, one new conversation per guess, until the bot says
"verified" (takeover) or "can't check identities" (lockout). Run for this checkout and
(``--baseline REV``) an older revision in one go; prints guesses until the end and time.

Each server is a real process (``create_app`` on ``web.run_app``) on a fresh, migrated,
seeded SQLite file (``tests.e2e.chat_support.seed``: Ann with three orders). The chat rate
limit is off in both (``KEFU_RATE_LIMIT_CHAT=''``) so the identity limits alone are measured;
identity limits are the defaults of each revision. The guessing attacker's first guess is
``--spread`` numbers below Ann's paid order, so without limits the hit is guess spread+1.
The spray attacker tries a real order number with ``--spray`` - 1 wrong emails from one
address, then the right email (the per-client limit).

    flock /work/notes/bench.lock /work/main/.venv/bin/python -m bench.identity.run \
        --baseline 30bfdb9
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.edges.large_posts import checkout, free_port, wait_up

ROOT = Path(__file__).resolve().parents[2]
SERVE = r"""
import asyncio, json, sys
from pathlib import Path
from aiohttp import web
from bot.gateway.app import create_app
from bot.settings import Settings
from crm_core.schema import upgrade
from tests.e2e.chat_support import seed
port, db, data, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
url = f"sqlite+aiosqlite:///{db}"
asyncio.run(upgrade(url))
seeded = asyncio.run(seed(url))
Path(out).write_text(json.dumps({"email": "ann@example.com", "real": seeded.ann_paid}))
app = create_app(Settings(database_url=url, data_dir=Path(data),
                          secret_key="bench-secret-key-0123456789-abcdefgh"))
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
"""
LOCKED, VERIFIED = "can't check identities", "you're verified"


async def attempt(http: aiohttp.ClientSession, base: str, sender: str, email: str,
                  number: str) -> str:
    """One identity check in a fresh conversation: ask about ``number``, give ``email``."""
    url = f"{base}/webhooks/rest/webhook"
    async with http.post(url, json={
            "sender": sender, "message": f'/order_status{{"order_number": "{number}"}}'}) as r:
        await r.read()
    async with http.post(url, json={"sender": sender, "message": email}) as r:
        if r.status != 200:
            return f"HTTP {r.status}"
        return "\n".join(i.get("text", "") for i in await r.json())


async def attack(label: str, code_dir: Path, work: Path, nlu_model: Path, spread: int,
                 max_guesses: int, spray: bool = False) -> dict[str, object]:
    """One server, one attack; ``spray``: one client trying ``max_guesses - 1`` wrong
    emails with a real order number, then the right email."""
    label = f"{label}-{'spray' if spray else 'guess'}"
    db, data, out = work / f"{label}.sqlite3", work / f"{label}-data", work / f"{label}.json"
    (data / "models").mkdir(parents=True)
    (data / "models" / "nlu").symlink_to(nlu_model, target_is_directory=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {"PYTHONPATH": str(code_dir), "KEFU_RATE_LIMIT_CHAT": ""}
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port), str(db), str(data),
                             str(out)], cwd=code_dir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_up(base, proc)
        target = json.loads(out.read_text())
        prefix, digits = target["real"].split("-")
        first = int(digits) - spread
        outcome, guesses = "gave up", 0
        async with aiohttp.ClientSession() as http:
            started = time.perf_counter()
            for guesses in range(1, max_guesses + 1):
                if spray:  # the real number, a new email each time, from one address
                    email, number = f"victim{guesses}@example.com", target["real"]
                    if guesses == max_guesses:
                        email = target["email"]  # the right pair at last
                else:
                    email = target["email"]
                    number = f"{prefix}-{first + guesses - 1:0{len(digits)}d}"
                said = await attempt(http, base, f"attacker-{guesses}", email, number)
                if VERIFIED in said:
                    outcome = "verified (takeover)"
                    break
                if LOCKED in said:
                    outcome = "locked out"
                    break
            seconds = time.perf_counter() - started
            # Once locked, does the right number still get in?
            right = await attempt(http, base, "attacker-right", target["email"],
                                  target["real"])
        return {"label": label, "outcome": outcome, "guesses": guesses, "seconds": seconds,
                "right_after": "verified" if VERIFIED in right else
                               "refused (locked)" if LOCKED in right else "other"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision to compare with (e.g. 30bfdb9)")
    parser.add_argument("--spread", type=int, default=300,
                        help="first guess this many numbers below the real order")
    parser.add_argument("--max-guesses", type=int, default=1000)
    parser.add_argument("--spray", type=int, default=50,
                        help="second attack: this many emails from one client (0: skip)")
    args = parser.parse_args()
    from bot.nlu import train

    with tempfile.TemporaryDirectory(prefix="kefu-identity-bench-") as tmp:
        work = Path(tmp)
        nlu_model = train(out_dir=work / "nlu")
        runs = []
        if args.baseline:
            runs.append((f"baseline {args.baseline}", checkout(args.baseline, work)))
        runs.append(("this checkout", ROOT))
        print(f"guess: one email, sequential order numbers from real-{args.spread}; spray: "
              f"one client, {args.spray} emails (the last one right) with a real order number;"
              " one conversation per try, chat rate limit off")
        print(f"{'server':24} {'attack':6} {'outcome':22} {'tries':>6} {'time':>7}  "
              "right pair after")
        attacks = [("guess", False, args.max_guesses)]
        if args.spray:
            attacks.append(("spray", True, args.spray))
        for label, code_dir in runs:
            for name, spray, tries in attacks:
                r = await attack(label.split()[0], code_dir, work, nlu_model, args.spread,
                                 tries, spray)
                print(f"{label:24} {name:6} {r['outcome']:22} {r['guesses']:>6} "
                      f"{r['seconds']:>6.1f}s  {r['right_after']}")


if __name__ == "__main__":
    asyncio.run(main())
