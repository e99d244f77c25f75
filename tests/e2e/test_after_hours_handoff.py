"""End to end (#18), on the web channel and on REST: an angry customer after hours is told
the truth, their later messages are kept and answered, the agent who signs in later is
offered the conversation with the whole transcript, replies and resolves, the customer
rates; exactly one ticket for that handoff."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.gateway import keys
from tests.e2e.console_world import ConsoleWorld, ManualClock, console_app, login, seed
from tests.e2e.test_console_flow import next_event, next_frame

ANGRY = ("This is terrible, the worst service ever, I am furious!",
         "Awful. Useless. I hate this, nothing works and you waste my time!",
         "Absolutely horrible, I am so angry, this is a disgrace!")


@pytest.fixture
async def world(sqlite_url: str) -> ConsoleWorld:
    return await seed(sqlite_url)


@pytest.fixture
async def client(aiohttp_client: Any, sqlite_url: str, world: ConsoleWorld, tmp_path,
                 nlu_model_dir) -> Any:
    app = console_app(sqlite_url, tmp_path / "data", nlu_model_dir)
    client = await aiohttp_client(app)
    app[keys.ROUTER].clock = ManualClock(time.time())
    return client


class WebCustomer:
    """The web chat over its WebSocket (agent events arrive as frames)."""

    async def start(self, client: Any) -> None:
        self.ws = await client.ws_connect("/ws/chat")
        await self.ws.send_json({"type": "hello"})
        self.sender = (await next_frame(self.ws, "session"))["session_id"]

    async def say(self, text: str) -> list[str]:
        await self.ws.send_json({"type": "message", "text": text})
        said: list[str] = []
        while True:
            frame = await self.ws.receive_json(timeout=10)
            if frame.get("type") == "bot":
                said.append(frame.get("text") or "")
            if frame.get("type") == "typing" and frame.get("on") is False:
                return said

    async def agent_events(self, *kinds: str) -> list[dict]:
        return [await next_frame(self.ws, kind) for kind in kinds]

    async def close(self) -> None:
        await self.ws.close()


class RestCustomer:
    """The REST webhook: no socket, so agent events come with the next reply."""

    async def start(self, client: Any) -> None:
        self.client, self.sender = client, "rest-after-hours-1"

    async def say(self, text: str) -> list[str]:
        resp = await self.client.post("/webhooks/rest/webhook",
                                      json={"sender": self.sender, "message": text})
        assert resp.status == 200, await resp.text()
        return [m.get("text") or "" for m in await resp.json()]

    async def close(self) -> None:
        pass


class SocketioCustomer:
    """Rasa's socket.io widget (python-socketio's client): agent events are bot_uttered."""

    async def start(self, client: Any) -> None:
        import asyncio

        import socketio

        self.heard: asyncio.Queue = asyncio.Queue()
        self.sio = socketio.AsyncClient(reconnection=False)
        confirmed: asyncio.Queue = asyncio.Queue()
        self.sio.on("session_confirm", confirmed.put)
        self.sio.on("bot_uttered", self.heard.put)
        await self.sio.connect(str(client.make_url("/")).rstrip("/"),
                               socketio_path="/socket.io", transports=["websocket"])
        await self.sio.emit("session_request", {"session_id": None})
        self.sender = await asyncio.wait_for(confirmed.get(), 10)

    async def listen(self, quiet: float = 0.7) -> list[dict]:
        """Everything uttered until the widget has been quiet for ``quiet`` seconds."""
        import asyncio

        got = [await asyncio.wait_for(self.heard.get(), 10)]
        while True:
            try:
                got.append(await asyncio.wait_for(self.heard.get(), quiet))
            except TimeoutError:
                return got

    async def say(self, text: str) -> list[str]:
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.sender})
        return [m.get("text") or "" for m in await self.listen()]

    async def close(self) -> None:
        await self.sio.disconnect()


@pytest.mark.parametrize("channel", ["web", "rest", "socketio"])
async def test_after_hours_handoff_lands_on_every_channel(client: Any, world: ConsoleWorld,
                                                         channel: str) -> None:
    app = client.server.app
    router = app[keys.ROUTER]
    customer: Any = {"web": WebCustomer, "rest": RestCustomer,
                     "socketio": SocketioCustomer}[channel]()
    await customer.start(client)

    # Angry, and nobody is signed in: the honest answer names the ticket, here and email.
    replies: list[str] = []
    for text in ANGRY:
        replies = await customer.say(text)
        if any("ticket T-" in r for r in replies):
            break
    handoff = next(r for r in replies if "ticket T-" in r)
    assert "No colleague is online" in handoff and "email" in handoff
    number = "T-" + handoff.split("ticket T-")[1].split(":")[0].split(";")[0].strip()

    # Later messages are kept and answered (not silence), with the same ticket.
    for text in ("hello? is anyone there?", "I need the refund for my broken mug"):
        later = await customer.say(text)
        assert len(later) == 1 and number in later[0] and "email" in later[0]
    (waiting,) = await router.store.tasks()
    assert waiting.task.sender_id == customer.sender and waiting.task.ticket_id is not None

    # An agent signs in later and is offered it, with the whole transcript.
    token = await login(client, "alice")
    console = await client.ws_connect(f"/console/ws?token={token}")
    # Offered on sign-in (the offer may come before the "hello" frame, which is skipped).
    offer = await next_frame(console, "routing", "offered")
    task_id = offer["task_id"]
    assert offer["task"]["sender_id"] == customer.sender
    await console.send_json({"type": "accept", "task_id": task_id})
    await next_frame(console, "ok", "accept")
    resp = await client.get(f"/console/api/tasks/{task_id}/transcript",
                            headers={"Authorization": f"Bearer {token}"})
    said = [line["text"] for line in await resp.json() if line["role"] == "customer"]
    assert "hello? is anyone there?" in said and "I need the refund for my broken mug" in said

    await console.send_json({"type": "message", "task_id": task_id,
                             "text": "Sorry for the wait, I'm on it."})
    await next_frame(console, "ok", "message")
    if channel == "web":
        joined, agent = await customer.agent_events("agent_joined", "agent")
        assert agent["text"] == "Sorry for the wait, I'm on it."
        await customer.say("Thanks, it's order 1")
    elif channel == "socketio":
        heard = [m["text"] for m in await customer.listen()]
        assert "Alice has joined the conversation." in heard
        assert "Alice: Sorry for the wait, I'm on it." in heard
        await customer.sio.emit("user_uttered", {"message": "Thanks, it's order 1",
                                                 "session_id": customer.sender})
    else:
        got = await customer.say("Thanks, it's order 1")
        assert any("has joined" in r for r in got)
        assert "Alice: Sorry for the wait, I'm on it." in got
    heard = await next_frame(console, "customer")
    assert heard["text"] == "Thanks, it's order 1"

    await console.send_json({"type": "resolve", "task_id": task_id})
    await next_frame(console, "ok", "resolve")
    if channel == "web":
        await customer.agent_events("closed", "csat_request")
        thanks = await customer.say('/csat_rating{"csat_score": 4}')
    elif channel == "socketio":
        closed, rating = await customer.listen()
        assert closed["text"] == "Alice has resolved this conversation."
        assert rating["quick_replies"][3]["payload"] == '/csat_rating{"csat_score": 4}'
        thanks = await customer.say('/csat_rating{"csat_score": 4}')
    else:
        thanks = await customer.say('/csat_rating{"csat_score": 4}')
        assert any("How did we do" in r for r in thanks)
    assert thanks, thanks
    rated = await next_frame(console, "routing", "csat")
    assert rated["score"] == 4
    # The bot is back for this customer, without asking who they are again.
    assert any("How can I help" in r for r in await customer.say("/greet"))
    await console.close()
    await customer.close()

    from crm_core.services import csat, tickets
    from crm_core.unit_of_work import SqlUnitOfWork

    uow = lambda: SqlUnitOfWork(app[keys.SESSION_FACTORY])  # noqa: E731
    assert [(r.score, r.agent_id) for r in (await csat.list_csat(uow())).items] == [
        (4, world.agents["alice"])]
    handoff_tickets = [t for t in (await tickets.list_tickets(uow())).items
                       if t.category == "handoff"]
    assert [t.number for t in handoff_tickets] == [number]
    assert str(handoff_tickets[0].status) == "solved"
    assert await router.store.tasks() == []


async def test_a_customer_who_left_is_not_offered_live_and_keeps_the_ticket(
        client: Any, world: ConsoleWorld) -> None:
    """No message and no open chat for longer than ``customer_gone_seconds``: the agent who
    signs in is not offered a chat nobody is in; the ticket says so and carries on by
    email. When the customer writes again, they are offered live again."""
    import asyncio

    app = client.server.app
    router = app[keys.ROUTER]
    customer = RestCustomer()
    await customer.start(client)
    for text in ANGRY:
        if any("ticket T-" in r for r in await customer.say(text)):
            break
    router.clock.now += 3600  # an hour of silence, then an agent signs in
    token = await login(client, "alice")
    console = await client.ws_connect(f"/console/ws?token={token}")
    await next_frame(console, "hello")
    await router.tick()
    with pytest.raises(asyncio.TimeoutError):
        await next_frame(console, "routing", "offered", timeout=1.5)
    (waiting,) = await router.store.tasks()
    assert waiting.task.gone(router.clock(), router.config.customer_gone_seconds)

    from crm_core.services import tickets
    from crm_core.unit_of_work import SqlUnitOfWork

    notes = await tickets.list_comments(SqlUnitOfWork(app[keys.SESSION_FACTORY]),
                                        waiting.task.ticket_id)
    assert any("left the chat after waiting 60 min" in c.body for c in notes.items)

    back = await customer.say("sorry, I'm back")
    assert len(back) == 1 and "queue" in back[0]
    await router.tick()
    offer = await next_frame(console, "routing", "offered")
    assert offer["task"]["sender_id"] == customer.sender
    assert offer["task"]["customer_gone"] is False
    await console.close()


async def test_an_open_web_chat_counts_as_still_there(client: Any, world: ConsoleWorld) -> None:
    """A web customer who keeps the chat open but types nothing has not left: each worker
    stamps its open chat sockets (``routing_ctx``'s presence loop, simulated here)."""
    app = client.server.app
    router, hub = app[keys.ROUTER], app[keys.LIVE_CHAT]
    customer = WebCustomer()
    await customer.start(client)
    for text in ANGRY:
        if any("ticket T-" in r for r in await customer.say(text)):
            break
    router.clock.now += 3600
    assert customer.sender in hub.connected_customers()
    await router.seen(hub.connected_customers())
    token = await login(client, "alice")
    console = await client.ws_connect(f"/console/ws?token={token}")
    # Offered at once on sign-in (the offer may even come before the "hello" frame).
    offer = await next_frame(console, "routing", "offered")
    assert offer["task"]["sender_id"] == customer.sender
    await console.close()
    await customer.close()
