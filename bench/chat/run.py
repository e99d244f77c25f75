"""Chat benchmark: N concurrent WebSocket sessions, each running a scripted conversation
against ``/ws/chat``; then the same number of round trips against a bare aiohttp echo
WebSocket server in the same run, as the ceiling.

    .venv/bin/python -m bench.chat.run --sessions 100 --think 0
    .venv/bin/python -m bench.chat.run --sessions 1000 --think 5 --duration 60

``--think 0``: every session sends its next message as soon as the answer arrives
(throughput). ``--think S``: a message every S seconds per session (latency under a
steady load). Prints turns/s and p50/p90/p99 turn latency for both servers, and per
script step for kefu.

Sessions start at random within the first ``--think`` seconds by default, so they all
reach the same script step within the same few seconds ("lockstep": e.g. 1,000 identity
checks within 5 s). ``--ramp R`` starts them over R seconds instead (R = 35 spreads them
over the script's whole cycle: a steady mix of steps) and counts only the turns sent after
the ramp, for ``--duration`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = [
    "hi",
    "where is my order {order}?",
    "{email}",
    "how long does shipping take?",
    "what payment methods do you accept?",
    "thanks",
    "bye",
]


def order_number(i: int) -> str:
    """The order of bench customer ``i`` (``bench/chat/serve.py`` seeds them in order)."""
    return f"KF-{100_001 + i}"


@dataclass
class Result:
    """Latencies (seconds) of completed turns and errors seen."""

    latencies: list[float] = field(default_factory=list)
    # Latencies per script step (index into SCRIPT): where in a conversation time goes.
    by_step: dict[int, list[float]] = field(default_factory=dict)
    errors: int = 0
    # Every completed turn, the ramp's too (the CPU figures are per turn served).
    served: int = 0
    started: float = 0.0
    ended: float = 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        wall = max(self.ended - self.started, 1e-9)

        def pct(p: float, values: list[float] = lat) -> float:
            if not values:
                return float("nan")
            return values[min(len(values) - 1, int(p * len(values)))] * 1000

        steps = {f"{step} {SCRIPT[step]}": {"turns": len(v), "p50_ms": round(pct(0.50, sorted(v)), 1),
                             "p99_ms": round(pct(0.99, sorted(v)), 1)}
                 for step, v in sorted(self.by_step.items())}
        out: dict[str, Any] = {
            "turns": len(lat), "errors": self.errors, "seconds": round(wall, 2),
            "turns_per_s": round(len(lat) / wall, 1), "p50_ms": round(pct(0.50), 1),
            "p90_ms": round(pct(0.90), 1), "p99_ms": round(pct(0.99), 1),
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else float("nan")}
        if steps:
            out["by_step"] = steps
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_up(url: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as resp:
                    if resp.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


async def chat_session(http: aiohttp.ClientSession, url: str, i: int, args: argparse.Namespace,
                       result: Result, stop_at: float) -> None:
    customer = i % 50
    lines = [s.format(order=order_number(customer), email=f"bench-{customer}@example.com")
             for s in SCRIPT]
    await asyncio.sleep(random.random() * ramp(args))  # spread the sessions' phases
    async with http.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_json({"type": "hello"})
        await ws.receive_json()
        step = 0
        while time.monotonic() < stop_at and (args.rounds == 0 or step < args.rounds * len(lines)):
            sent = time.monotonic()
            await ws.send_json({"type": "message", "text": lines[step % len(lines)]})
            while True:
                frame = await ws.receive_json()
                if frame.get("type") == "error":
                    result.errors += 1
                    break
                if frame == {"type": "typing", "on": False}:
                    result.served += 1
                    if sent >= result.started:
                        result.latencies.append(time.monotonic() - sent)
                        result.by_step.setdefault(step % len(lines), []).append(
                            result.latencies[-1])
                    break
            step += 1
            if args.think:
                await asyncio.sleep(max(0.0, args.think - (time.monotonic() - sent)))


async def echo_session(http: aiohttp.ClientSession, url: str, args: argparse.Namespace,
                       result: Result, stop_at: float) -> None:
    await asyncio.sleep(random.random() * ramp(args))
    async with http.ws_connect(url) as ws:
        while time.monotonic() < stop_at:
            sent = time.monotonic()
            await ws.send_str(json.dumps({"type": "message", "text": "where is my order?"}))
            await ws.receive_str()
            result.served += 1
            if sent >= result.started:
                result.latencies.append(time.monotonic() - sent)
            if args.think:
                await asyncio.sleep(max(0.0, args.think - (time.monotonic() - sent)))


async def drive(kind: str, url: str, args: argparse.Namespace) -> Result:
    result = Result()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        # Turns sent before ``started`` (during an explicit ramp) are not counted.
        result.started = time.monotonic() + (args.ramp or 0.0)
        stop_at = result.started + args.duration
        if kind == "chat":
            jobs = [chat_session(http, url, i, args, result, stop_at)
                    for i in range(args.sessions)]
        else:
            jobs = [echo_session(http, url, args, result, stop_at) for _ in range(args.sessions)]
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        result.ended = time.monotonic()
    result.errors += sum(isinstance(o, BaseException) for o in outcomes)
    return result


def ramp(args: argparse.Namespace) -> float:
    """Seconds over which the sessions start."""
    return args.think if args.ramp is None else args.ramp


def nlu_description(data_dir: Path) -> str:
    """The description line of the NLU model kefu served (its pipeline config)."""
    meta = data_dir / "models" / "nlu" / "metadata.json"
    if not meta.is_file():
        return "unknown"
    return json.loads(meta.read_text()).get("config", {}).get("description", "unknown")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its live children (the NLU worker)
    (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            try:
                total += cpu_seconds(int(child))
            except FileNotFoundError:  # exited meanwhile
                pass
    return total


def start(flag: str, port: int, args: argparse.Namespace) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "bench.chat.serve", flag, "--port", str(port), "--db", args.db,
           "--data-dir", args.data_dir]
    if args.redis_url and flag == "--kefu":
        cmd += ["--redis-url", args.redis_url]
    if args.nlu_worker and flag == "--kefu":
        cmd += ["--nlu-worker"]
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, flag, path in (("chat", "--kefu", "/ws/chat"), ("echo", "--echo", "/ws/echo")):
        port = free_port()
        proc = start(flag, port, args)
        try:
            await wait_up(f"http://127.0.0.1:{port}" + ("/health" if kind == "chat" else path))
            if kind == "chat":  # warm up the NLU model and the database
                warm = argparse.Namespace(**{**vars(args), "think": 0, "rounds": 1, "ramp": None})
                await drive(kind, f"ws://127.0.0.1:{port}{path}",
                            argparse.Namespace(**{**vars(warm), "sessions": 2, "duration": 30}))
            cpu_before, client_before = cpu_seconds(proc.pid), time.process_time()
            result = await drive(kind, f"ws://127.0.0.1:{port}{path}", args)
            out[kind] = result.summary()
            cpu = cpu_seconds(proc.pid) - cpu_before
            client = time.process_time() - client_before
            # The load generator shares the cores: its own CPU per turn, to rule it out.
            out[kind]["client_cpu_ms_per_turn"] = round(1000 * client / max(result.served, 1), 3)
            out[kind]["server_cpu_s"] = round(cpu, 2)
            out[kind]["server_cpu_ms_per_turn"] = round(1000 * cpu / max(result.served, 1), 3)
            out[kind]["load_avg_1m_after"] = os.getloadavg()[0]
        finally:
            proc.terminate()
            proc.wait(10)
    out["nlu_pipeline"] = nlu_description(Path(args.data_dir))
    out["ratio"] = {"chat_vs_echo_turns_per_s": round(
        out["chat"]["turns_per_s"] / max(out["echo"]["turns_per_s"], 1e-9), 4)}
    return out


def main() -> None:
    """Run both servers in turn and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds between one session's messages (0: closed loop)")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--ramp", type=float, default=None,
                        help="start the sessions over this many seconds and measure after "
                             "(default: within --think seconds, measured from the start)")
    parser.add_argument("--rounds", type=int, default=0,
                        help="stop a session after this many passes of the script (0: no limit)")
    parser.add_argument("--db", default="var/bench/chat.sqlite3")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--nlu-worker", action="store_true",
                        help="kefu parses in a process of its own (KEFU_NLU_WORKER=1)")
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench" / "chat-data"),
                        help="kefu's data dir (its NLU model: the default pipeline)")
    args = parser.parse_args()
    print(json.dumps({"args": vars(args), **asyncio.run(main_async(args))}, indent=2))


if __name__ == "__main__":
    main()
