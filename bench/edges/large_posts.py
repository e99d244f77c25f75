"""What 80 large Rasa REST posts cost the server: database size and server memory before
and after, for this checkout and (``--baseline REV``) another revision, in one run.

Each post is a chat message with ``--mb`` MB of metadata (the unauthenticated exhaustion
found on main: 80 posts of 7 MB grew the database 24 -> 559 MB and the server's RSS
488 -> 1,030 MB). The server is a real process (``create_app`` on ``web.run_app``) on a
fresh, migrated SQLite file; RSS is read from /proc.

    flock /work/notes/bench.lock .venv/bin/python -m bench.edges.large_posts --baseline main
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
SERVE = r"""
import asyncio, sys
from pathlib import Path
from aiohttp import web
from bot.gateway.app import create_app
from bot.settings import Settings
from crm_core.schema import upgrade
port, db, data = int(sys.argv[1]), sys.argv[2], sys.argv[3]
url = f"sqlite+aiosqlite:///{db}"
asyncio.run(upgrade(url))
app = create_app(Settings(database_url=url, data_dir=Path(data),
                          secret_key="bench-secret-key-0123456789-abcdefgh"))
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of ``pid`` in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def db_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


async def wait_up(base: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("the server exited during start-up")
            try:
                async with http.get(f"{base}/health") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("the server did not start")


async def measure(label: str, code_dir: Path, work: Path, nlu_model: Path, posts: int,
                  mb: float, env_extra: dict[str, str]) -> dict[str, object]:
    db, data = work / f"{label}.sqlite3", work / f"{label}-data"
    (data / "models").mkdir(parents=True)
    (data / "models" / "nlu").symlink_to(nlu_model, target_is_directory=True)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    env = {k: v for k, v in env.items() if not k.startswith("KEFU_")} | env_extra
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port), str(db), str(data)],
                            cwd=code_dir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_up(base, proc)
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/webhooks/rest/webhook",
                                 json={"sender": "warm", "message": "hello"}) as resp:
                await resp.read()
            db_before, (rss_before, _) = db_mb(db), rss_mb(proc.pid)
            blob = "x" * int(mb * 1_000_000)
            statuses: dict[int, int] = {}
            started = time.perf_counter()
            for i in range(posts):
                async with http.post(f"{base}/webhooks/rest/webhook", json={
                        "sender": f"big-{i}", "message": "hi",
                        "metadata": {"blob": blob}}) as resp:
                    await resp.read()
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
            seconds = time.perf_counter() - started
            async with http.post(f"{base}/webhooks/rest/webhook",
                                 json={"sender": "after", "message": "hello"}) as resp:
                after_status = resp.status
        rss_after, rss_peak = rss_mb(proc.pid)
        return {"label": label, "db_before": db_before, "db_after": db_mb(db),
                "rss_before": rss_before, "rss_after": rss_after, "rss_peak": rss_peak,
                "statuses": statuses, "seconds": seconds, "after_status": after_status}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def checkout(rev: str, into: Path) -> Path:
    """A clean copy of revision ``rev`` of this repository (``git archive``)."""
    target = into / f"kefu-{rev.replace('/', '_')}"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=80)
    parser.add_argument("--mb", type=float, default=7.0, help="metadata per post (MB)")
    parser.add_argument("--baseline", help="git revision to compare with (e.g. main)")
    parser.add_argument("--no-rate-limit", action="store_true",
                        help="KEFU_RATE_LIMIT_CHAT='' (every post reaches the size check)")
    args = parser.parse_args()
    from bot.nlu import train

    with tempfile.TemporaryDirectory(prefix="kefu-large-posts-") as tmp:
        work = Path(tmp)
        nlu_model = train(out_dir=work / "nlu")
        runs = []
        if args.baseline:
            runs.append((f"baseline {args.baseline}", checkout(args.baseline, work)))
        runs.append(("this checkout", ROOT))
        print(f"{args.posts} posts of {args.mb:g} MB metadata to /webhooks/rest/webhook")
        print(f"{'server':24} {'DB before':>10} {'DB after':>10} {'RSS before':>11} "
              f"{'RSS after':>10} {'RSS peak':>9} {'answers':>14} {'time':>7}  then 'hello'")
        env = {"KEFU_RATE_LIMIT_CHAT": ""} if args.no_rate_limit else {}
        for label, code_dir in runs:
            r = await measure(label.split()[0], code_dir, work, nlu_model, args.posts, args.mb,
                              {} if label.startswith("baseline") else env)  # main: no such setting
            answers = ",".join(f"{n}x{s}" for s, n in sorted(r["statuses"].items()))
            print(f"{label:24} {r['db_before']:>8.1f}MB {r['db_after']:>8.1f}MB "
                  f"{r['rss_before']:>9.0f}MB {r['rss_after']:>8.0f}MB {r['rss_peak']:>7.0f}MB "
                  f"{answers:>14} {r['seconds']:>6.1f}s  {r['after_status']}")


if __name__ == "__main__":
    asyncio.run(main())
