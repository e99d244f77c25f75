"""The native chat WebSocket (/ws/chat) and the web chat page, on the real app (SQLite)."""

from __future__ import annotations

import pytest

from tests.e2e.chat_support import Seeded, chat_app, seed_fast as seed


@pytest.fixture
async def seeded(sqlite_url: str) -> Seeded:
    return await seed(sqlite_url)


@pytest.fixture
async def client(aiohttp_client, sqlite_url: str, seeded: Seeded, tmp_path,
                 nlu_model_dir):
    return await aiohttp_client(chat_app(sqlite_url, tmp_path, nlu_model_dir))


async def turn(ws, text: str) -> list[dict]:
    """Send a message; collect the frames of the bot's turn (up to typing off)."""
    await ws.send_json({"type": "message", "text": text})
    frames = []
    while True:
        frame = await ws.receive_json(timeout=10)
        if frame["type"] == "session":
            continue
        frames.append(frame)
        if frame == {"type": "typing", "on": False}:
            break
    assert frames[0] == {"type": "typing", "on": True}
    return frames


def bot_text(frames: list[dict]) -> str:
    return "\n".join(f.get("text") or "" for f in frames if f["type"] == "bot")


async def test_ws_conversation_and_history_on_reconnect(client, seeded: Seeded) -> None:
    ws = await client.ws_connect("/ws/chat")
    await ws.send_json({"type": "hello"})
    session = await ws.receive_json(timeout=10)
    assert session["type"] == "session" and session["history"] == []
    sid = session["session_id"]
    frames = await turn(ws, f'/track_shipment{{"order_number": "{seeded.ann_shipped}"}}')
    assert "email" in bot_text(frames).lower()
    frames = await turn(ws, "ann@example.com")
    assert "TRACK-ANN-1" in bot_text(frames)
    await ws.close()

    # A new connection with the stored session id gets the whole chat back.
    ws = await client.ws_connect("/ws/chat")
    await ws.send_json({"type": "hello", "session_id": sid})
    session = await ws.receive_json(timeout=10)
    assert session["session_id"] == sid
    roles = [m["role"] for m in session["history"]]
    assert roles[0] == "user" and "bot" in roles
    assert any("TRACK-ANN-1" in (m["text"] or "") for m in session["history"])
    await ws.close()


async def test_ws_quick_replies_and_errors(client) -> None:
    ws = await client.ws_connect("/ws/chat")
    frames = await turn(ws, "/goodbye")  # no hello: a session starts by itself
    csat = [f for f in frames if f["type"] == "bot" and f["buttons"]]
    assert [b["title"] for b in csat[0]["buttons"]] == ["1", "2", "3", "4", "5"]
    frames = await turn(ws, csat[0]["buttons"][4]["payload"])
    assert "feedback" in bot_text(frames)

    await ws.send_json({"type": "message", "text": "y" * 2001})
    error = await ws.receive_json(timeout=10)
    assert error["type"] == "error"
    assert error["error"]["details"]["max_chars"] == 2000
    await ws.send_str("not json")
    assert (await ws.receive_json(timeout=10))["type"] == "error"
    await ws.send_json({"type": "dance"})
    assert (await ws.receive_json(timeout=10))["error"]["code"] == "invalid_input"
    # Still usable after the errors.
    frames = await turn(ws, "/greet")
    assert "How can I help" in bot_text(frames)
    await ws.close()


async def test_chat_page_is_served_with_a_csp(client) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    html = await resp.text()
    assert 'id="kefu-log"' in html and "/static/chat/chat.js" in html
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    script = await (await client.get("/static/chat/chat.js")).text()
    # Bot text is only ever set as text, never parsed as HTML.
    assert "textContent" in script and "innerHTML" not in script


async def test_live_chat_with_an_agent_after_handoff(client) -> None:
    """The web chat carries the agent side (routing.live) once the bot has handed off."""
    from bot.gateway import keys
    from routing.live import LiveSession

    hub = client.server.app[keys.LIVE_CHAT]
    ws = await client.ws_connect("/ws/chat")
    await ws.send_json({"type": "hello"})
    sid = (await ws.receive_json(timeout=10))["session_id"]
    frames = await turn(ws, "/human_handoff")
    assert any("T-" in (f.get("text") or "") for f in frames)  # nobody staffed: a ticket

    async with hub.agent_feed(7) as agent_feed:
        hub.open(LiveSession(sender_id=sid, conversation_id=None, task_id="task-1",
                             agent_id=7, agent_name="Ana"))
        joined = await ws.receive_json(timeout=10)
        assert joined["type"] == "agent_joined" and joined["agent_name"] == "Ana"
        await hub.post_agent_message(sid, 7, "Hi, Ana here. How can I help?")
        said = await ws.receive_json(timeout=10)
        assert said["type"] == "agent" and said["text"].startswith("Hi, Ana here")

        frames = await turn(ws, "My parcel is missing")
        assert [f["type"] for f in frames] == ["typing", "typing"]  # the bot stays quiet
        heard = await agent_feed.get(timeout=10)
        assert heard.text == "My parcel is missing"

    hub.close(sid)
    kinds = [(await ws.receive_json(timeout=10))["type"] for _ in range(2)]
    assert kinds == ["closed", "csat_request"]
    await ws.send_json({"type": "csat", "score": 5})
    assert (await ws.receive_json(timeout=10))["type"] == "csat_ok"
    await ws.send_json({"type": "csat", "score": 5})  # only once
    assert (await ws.receive_json(timeout=10))["type"] == "error"
    await ws.close()


async def test_ws_connection_stays_bound_to_its_session(client, seeded: Seeded) -> None:
    """A second hello on the same socket naming another session is refused (issue #15):
    one connection speaks for one conversation only."""
    victim = await client.ws_connect("/ws/chat")
    await victim.send_json({"type": "hello"})
    victim_sid = (await victim.receive_json(timeout=10))["session_id"]

    ws = await client.ws_connect("/ws/chat")
    await ws.send_json({"type": "hello"})
    own = (await ws.receive_json(timeout=10))["session_id"]
    await ws.send_json({"type": "hello", "session_id": victim_sid})
    error = await ws.receive_json(timeout=10)
    assert error["type"] == "error" and error["error"]["code"] == "session_mismatch"
    await ws.send_json({"type": "hello", "session_id": own})  # its own: fine
    assert (await ws.receive_json(timeout=10))["session_id"] == own
    frames = await turn(ws, "/greet")
    assert "How can I help" in bot_text(frames)
    await ws.close()
    await victim.close()
