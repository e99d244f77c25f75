"""kefu's actions under rasa-sdk's own server (``python -m rasa_sdk --actions bot.actions``),
called with Rasa-format ``/webhook`` requests written out by hand (PROTOCOLS.md §4)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp
import pytest
import yaml

from tests.e2e.chat_support import SECRET, Seeded, seed

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "config" / "domain.yml").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Seeded]:
    """One seeded SQLite CRM for the module (the actions here only read it)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('rasa_sdk') / 'kefu.sqlite3'}"
    return url, asyncio.run(seed(url))


@pytest.fixture
def seeded(seeded_url: tuple[str, Seeded]) -> Seeded:
    return seeded_url[1]


def _wait_healthy(proc: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"action server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("action server did not start within 60 s")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def server(seeded_url: tuple[str, Seeded]):
    """``python -m rasa_sdk --actions bot.actions`` on a free port, for the module."""
    port = free_port()
    env = {**os.environ, "KEFU_DATABASE_URL": seeded_url[0], "KEFU_SECRET_KEY": SECRET}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def rasa_call(action: str, slots: dict, text: str, intent: str, events: list | None = None,
              entities: list | None = None, active_loop: str | None = None) -> dict:
    """A request body as Rasa 3.6 sends it to an action server."""
    all_slots = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}
    all_slots.update(slots)
    return {
        "next_action": action, "sender_id": "rasa-user-1", "version": "3.6.21",
        "domain": DOMAIN,
        "tracker": {
            "sender_id": "rasa-user-1", "slots": all_slots,
            "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.97},
                               "entities": entities or [],
                               "intent_ranking": [{"name": intent, "confidence": 0.97}]},
            "events": events or [], "paused": False, "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen", "latest_input_channel": "rest",
        },
    }


async def post(url: str, body: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.post(url + "/webhook", json=body) as resp:
        return resp.status, await resp.json()


async def test_health_and_action_list(server: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(server + "/health") as resp:
            assert await resp.json() == {"status": "ok"}
        async with http.get(server + "/actions") as resp:
            names = {a["name"] for a in await resp.json()}
    assert {"action_order_status", "validate_identity_form", "action_handoff"} <= names


async def test_identity_then_order_status_over_the_webhook(server: str, seeded: Seeded) -> None:
    # Unverified: no order data, the identity form is started instead.
    status, body = await post(server, rasa_call(
        "action_order_status", {"order_number": seeded.ann_shipped}, "where is my order",
        "order_status"))
    assert status == 200
    assert body["responses"] == []
    assert {"event": "followup", "name": "identity_form"} in [
        {k: e[k] for k in ("event", "name")} for e in body["events"] if e["event"] == "followup"]
    assert any(e["event"] == "slot" and e["name"] == "pending_action"
               and e["value"] == "action_order_status" for e in body["events"])

    # Rasa's form action extracted both slots; the validation matches them to the CRM.
    candidates = [{"event": "slot", "name": "email", "value": "ann@example.com",
                   "timestamp": None},
                  {"event": "slot", "name": "order_number", "value": seeded.ann_shipped,
                   "timestamp": None}]
    status, body = await post(server, rasa_call(
        "validate_identity_form", {"email": "ann@example.com",
                                   "order_number": seeded.ann_shipped},
        "ann@example.com", "provide_identity", events=candidates, active_loop="identity_form"))
    assert status == 200
    slots = {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}
    assert slots["identity_verified"] is True and slots["customer_id"] == seeded.ann_id

    status, body = await post(server, rasa_call(
        "action_order_status", {**slots, "order_number": seeded.ann_shipped},
        "where is my order", "order_status"))
    assert status == 200
    [response] = body["responses"]
    assert response["response"] == "utter_order_status"
    assert response["status"] == "shipped" and "TRACK-ANN-1" in response["detail"]


async def test_someone_elses_order_fails_validation(server: str, seeded: Seeded) -> None:
    candidates = [{"event": "slot", "name": "order_number", "value": seeded.bob_order,
                   "timestamp": None}]
    status, body = await post(server, rasa_call(
        "validate_identity_form", {"email": "ann@example.com", "order_number": seeded.bob_order},
        seeded.bob_order, "provide_identity", events=candidates, active_loop="identity_form"))
    assert status == 200
    slots = {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}
    assert slots["order_number"] is None and slots.get("identity_verified") is None
    assert body["responses"][0]["response"] == "utter_identity_mismatch"


async def test_unknown_action_is_404_in_rasa_shape(server: str) -> None:
    status, body = await post(server, rasa_call("action_nope", {}, "hi", "greet"))
    assert status == 404
    assert body["action_name"] == "action_nope" and "error" in body


async def test_handoff_over_the_webhook_pauses_and_opens_a_ticket(server: str) -> None:
    status, body = await post(server, rasa_call(
        "action_handoff", {"handoff_reason": "asked_for_human"}, "a person please",
        "human_handoff"))
    assert status == 200
    assert {"event": "pause", "timestamp": None} in body["events"]
    [response] = body["responses"]
    assert response["response"] == "utter_handoff_ticket"
    assert response["ticket_number"].startswith("T-")
    assert response["custom"]["handoff"]["status"] == "ticket"
