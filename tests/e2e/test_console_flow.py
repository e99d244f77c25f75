"""End to end: a customer asks for a human, an agent takes them over the console WebSocket,
they talk, the agent resolves, the customer's CSAT is stored; offers time out to others."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.gateway import keys
from tests.e2e.console_world import ConsoleWorld, ManualClock, console_app, login, seed


@pytest.fixture
async def world(sqlite_url: str) -> ConsoleWorld:
    return await seed(sqlite_url)


# The core flows run on both setups; the rest only in-process (same code above the hub).
IN_PROCESS_ONLY = pytest.mark.parametrize("backend_url", [None], ids=["memory"])


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """The in-process queue and hub, or both on Redis (as with several workers)."""
    return None if request.param == "memory" else request.getfixturevalue("redis_url")


@pytest.fixture
async def client(aiohttp_client: Any, sqlite_url: str, world: ConsoleWorld, tmp_path,
                 nlu_model_dir, backend_url: str | None) -> Any:
    app = console_app(sqlite_url, tmp_path / "data", nlu_model_dir, backend_url)
    client = await aiohttp_client(app)
    router = app[keys.ROUTER]
    router.clock = ManualClock(time.time())
    return client


async def next_frame(ws: Any, kind: str, event: str | None = None, timeout: float = 5) -> dict:
    """The next frame of this type (and routing event, or request for ok/error), skipping
    others: with the Redis hub, pushed events and replies may interleave either way."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        frame = await ws.receive_json(timeout=max(0.1, deadline - asyncio.get_running_loop().time()))
        tag = frame.get("request") if kind in ("ok", "error") else frame.get("event")
        if frame.get("type") == kind and (event is None or tag == event):
            return frame


async def next_event(feed: Any, kind: str) -> Any:
    while True:
        event = await feed.get(timeout=5)
        if event.kind.value == kind:
            return event


async def customer_asks_for_a_human(client: Any) -> tuple[Any, str, dict]:
    chat = await client.ws_connect("/ws/chat")
    await chat.send_json({"type": "hello"})
    session = await next_frame(chat, "session")
    await chat.send_json({"type": "message", "text": "/human_handoff"})
    reply = await next_frame(chat, "bot")
    return chat, session["session_id"], reply


async def test_handoff_accept_chat_resolve_csat(client: Any, world: ConsoleWorld) -> None:
    app = client.server.app
    hub = app[keys.LIVE_CHAT]
    router = app[keys.ROUTER]
    token = await login(client, "alice")
    console = await client.ws_connect(f"/console/ws?token={token}")
    hello = await next_frame(console, "hello")
    assert hello["agent"]["name"] == "Alice"
    # Alice is signed in but away: the customer waits in the queue with a position.
    await console.send_json({"type": "presence", "presence": "away"})
    await next_frame(console, "ok", "presence")
    chat, sender, reply = await customer_asks_for_a_human(client)
    assert "number 1 in the queue" in reply["text"]
    (waiting,) = await router.store.waiting()
    assert waiting.task.sender_id == sender and waiting.task.ticket_id is not None

    async with hub.customer_feed(sender) as customer:
        await console.send_json({"type": "presence", "presence": "available"})
        offer = await next_frame(console, "routing", "offered")
        task_id = offer["task_id"]
        assert offer["task"]["sender_id"] == sender
        await console.send_json({"type": "accept", "task_id": task_id})
        accepted = await next_frame(console, "ok", "accept")
        assert accepted["result"]["status"] == "assigned"
        joined = await next_event(customer, "agent_joined")
        assert joined.agent_name == "Alice"
        resp = await client.get(f"/console/api/tasks/{task_id}/transcript",
                                headers={"Authorization": f"Bearer {token}"})
        lines = await resp.json()
        assert resp.status == 200 and lines[0] == {**lines[0], "role": "customer"}

        await console.send_json({"type": "message", "task_id": task_id,
                                 "text": "Hi Ann, how can I help?"})
        await next_frame(console, "ok", "message")
        said = await next_event(customer, "agent")
        assert said.text == "Hi Ann, how can I help?"
        assert await hub.post_customer_message(sender, "My mug arrived broken")
        heard = await next_frame(console, "customer")
        assert heard["text"] == "My mug arrived broken" and heard["task_id"] == task_id

        await console.send_json({"type": "resolve", "task_id": task_id})
        await next_frame(console, "ok", "resolve")
        ask = await next_event(customer, "csat_request")
        await hub.submit_csat(sender, 5, "quick and kind")
        rated = await next_frame(console, "routing", "csat")
        assert rated["score"] == 5
        await console.close()
    await chat.close()

    from crm_core.services import conversations, csat
    from crm_core.unit_of_work import SqlUnitOfWork

    uow = lambda: SqlUnitOfWork(app[keys.SESSION_FACTORY])  # noqa: E731
    ratings = (await csat.list_csat(uow())).items
    assert [(r.score, r.comment, r.agent_id) for r in ratings] == [
        (5, "quick and kind", world.agents["alice"])]
    conversation = await conversations.get_conversation(uow(), ask.conversation_id)
    assert str(conversation.status) == "closed"
    messages = (await conversations.list_messages(uow(), ask.conversation_id)).items
    from crm_core.services import audit
    viewed = (await audit.list_entries(uow(), entity="conversation",
                                       entity_id=ask.conversation_id)).items
    assert ("conversation.view", f"agent:{world.agents['alice']}") in [
        (e.action, e.actor) for e in viewed]
    assert ("agent", "Hi Ann, how can I help?") in [(str(m.role), m.text) for m in messages]
    assert await app[keys.ROUTER].store.tasks() == []


async def test_unanswered_offer_times_out_and_goes_to_another_agent(client: Any) -> None:
    app = client.server.app
    router = app[keys.ROUTER]
    first = await client.ws_connect(f"/console/ws?token={await login(client, 'alice')}")
    await next_frame(first, "hello")
    chat, _, _ = await customer_asks_for_a_human(client)
    offer = await next_frame(first, "routing", "offered")
    second = await client.ws_connect(f"/console/ws?token={await login(client, 'bob')}")
    await next_frame(second, "hello")
    router.clock.now += router.config.offer_timeout_seconds + 1
    await router.tick()
    expired = await next_frame(first, "routing", "expired")
    assert expired["task_id"] == offer["task_id"]
    again = await next_frame(second, "routing", "offered")
    assert again["task_id"] == offer["task_id"]
    await first.send_json({"type": "accept", "task_id": offer["task_id"]})
    refused = await next_frame(first, "error", "accept")
    assert refused["error"]["code"] == "offer_not_held"
    for ws in (first, second, chat):
        await ws.close()


@IN_PROCESS_ONLY
async def test_nobody_signed_in_means_a_ticket_and_a_place_in_the_queue(client: Any) -> None:
    chat, _, reply = await customer_asks_for_a_human(client)
    assert "ticket T-" in reply["text"] and "No colleague is online" in reply["text"]
    # Still queued (with its ticket) so the first agent who signs in is offered it.
    (waiting,) = await client.server.app[keys.ROUTER].store.tasks()
    assert waiting.task.ticket_id is not None
    await chat.close()


@IN_PROCESS_ONLY
async def test_console_needs_a_valid_token_and_bad_input_is_4xx(client: Any) -> None:
    resp = await client.get("/console/ws?token=nope")
    assert resp.status == 401
    ws = await client.ws_connect("/console/ws")  # first-frame sign-in, here a bad one
    await ws.send_json({"type": "auth", "token": "nope"})
    refused = await ws.receive_json(timeout=5)
    assert refused["type"] == "error" and refused["error"]["code"] == "invalid_token"
    await ws.close()
    ws = await client.ws_connect("/console/ws")
    await ws.send_json({"type": "auth", "token": await login(client, "bob")})
    assert (await next_frame(ws, "hello"))["agent"]["name"] == "Bob"
    await ws.close()
    assert (await client.get("/console/api/queue")).status == 401
    token = await login(client, "alice")
    auth = {"Authorization": f"Bearer {token}"}
    resp = await client.post("/console/api/tasks/x/explode", headers=auth, json={})
    assert resp.status == 400
    resp = await client.post("/console/api/tasks/conv-999/accept", headers=auth)
    assert resp.status == 404
    resp = await client.post("/console/api/presence", headers=auth, data="not json")
    assert resp.status == 400
    resp = await client.get("/console/api/supervisor", headers=auth)
    assert resp.status == 403
    page = await client.get("/console")
    assert page.status == 200 and "kefu console" in await page.text()


@IN_PROCESS_ONLY
async def test_customer_360_is_audited_and_limited_to_own_customers(
        client: Any, world: ConsoleWorld) -> None:
    ann = world.customer_id
    sue = {"Authorization": f"Bearer {await login(client, 'sue')}"}
    alice = {"Authorization": f"Bearer {await login(client, 'alice')}"}
    resp = await client.get(f"/console/api/customers/{ann}", headers=alice)
    assert resp.status == 403  # alice holds no conversation with Ann
    resp = await client.get(f"/console/api/customers/{ann}", headers=sue)
    assert resp.status == 200
    body = await resp.json()
    assert body["customer"]["tier"] == "gold" and len(body["orders"]) == 1
    # Analytics not refreshed yet: the panel says so rather than failing.
    assert body["insight"] is None or body["insight"]["segment"] == "not_computed"
    assert (await client.get("/console/api/customers/99999", headers=sue)).status == 404
    assert (await client.get("/console/api/customers/abc", headers=sue)).status == 400

    from crm_core.services import audit
    from crm_core.unit_of_work import SqlUnitOfWork

    entries = (await audit.list_entries(
        SqlUnitOfWork(client.server.app[keys.SESSION_FACTORY]), entity="customer",
        entity_id=ann)).items
    assert [(e.actor, e.action) for e in entries if e.action == "customer.view"] == [
        (f"agent:{world.agents['sue']}", "customer.view")]

    resp = await client.get("/console/api/supervisor", headers=sue)
    assert resp.status == 200
    view = await resp.json()
    assert {"queue_length", "longest_wait_seconds", "sla_breaches", "agents"} <= set(view)
    # The whole team is listed (loaded from the CRM at start-up), signed in or not.
    assert {(a["name"], a["presence"]) for a in view["agents"]} == {
        ("Alice", "offline"), ("Bob", "offline"), ("Sue", "offline")}


@IN_PROCESS_ONLY
async def test_sla_breach_warns_consoles_and_escalates_the_ticket(client: Any) -> None:
    app = client.server.app
    router = app[keys.ROUTER]
    console = await client.ws_connect(f"/console/ws?token={await login(client, 'sue')}")
    await next_frame(console, "hello")
    await console.send_json({"type": "presence", "presence": "away"})
    await next_frame(console, "ok", "presence")
    chat, _, _ = await customer_asks_for_a_human(client)
    (waiting,) = await router.store.waiting()
    router.clock.now = waiting.task.sla_due_at - 10
    await router.tick()
    warning = await next_frame(console, "routing", "sla_warning")
    assert warning["task_id"] == waiting.task_id
    router.clock.now = waiting.task.sla_due_at + 1
    await router.tick()
    await next_frame(console, "routing", "sla_breached")

    from crm_core.services import tickets
    from crm_core.unit_of_work import SqlUnitOfWork

    ticket = await tickets.get_ticket(SqlUnitOfWork(app[keys.SESSION_FACTORY]),
                                      waiting.task.ticket_id)
    assert str(ticket.priority) == "urgent"
    for ws in (console, chat):
        await ws.close()


@IN_PROCESS_ONLY
async def test_closing_the_console_requeues_and_positions_update(client: Any) -> None:
    app = client.server.app
    router, hub = app[keys.ROUTER], app[keys.LIVE_CHAT]
    alice = await client.ws_connect(f"/console/ws?token={await login(client, 'alice')}")
    await next_frame(alice, "hello")
    await alice.send_json({"type": "presence", "presence": "away"})
    await next_frame(alice, "ok", "presence")
    first, first_sender, reply = await customer_asks_for_a_human(client)
    assert "number 1 in the queue" in reply["text"]
    async with hub.customer_feed(first_sender) as feed:
        # A VIP complaint jumps the queue: the first customer hears they are now second.
        from routing.model import Task
        await router.enqueue(Task("vip-1", tier="vip", sentiment=-0.9))
        moved = await next_event(feed, "queued")
        assert moved.data["position"] == 2 and moved.data["estimated_wait_seconds"] > 0
        await router.cancel("vip-1")
        await alice.send_json({"type": "presence", "presence": "available"})
        offer = await next_frame(alice, "routing", "offered")
        await alice.send_json({"type": "accept", "task_id": offer["task_id"]})
        await next_frame(alice, "ok", "accept")
        await next_event(feed, "agent_joined")
        await alice.close()
        # Alice's last console closed: she is offline and Ann is back in the queue.
        back = await next_event(feed, "queued")
        assert back.data["position"] == 1
    (state,) = await router.store.tasks()
    assert state.task_id == offer["task_id"] and state.status.value == "waiting"
    assert not hub.is_with_agent(first_sender)
    await first.close()


async def test_both_sides_over_websockets_web_chat_and_console(client: Any,
                                                               world: ConsoleWorld) -> None:
    """The customer uses only /ws/chat, the agent only /console/ws."""
    app = client.server.app
    console = await client.ws_connect(f"/console/ws?token={await login(client, 'bob')}")
    await next_frame(console, "hello")
    await console.send_json({"type": "presence", "presence": "away"})
    await next_frame(console, "ok", "presence")
    chat, sender, reply = await customer_asks_for_a_human(client)
    assert "number 1 in the queue" in reply["text"]
    await console.send_json({"type": "presence", "presence": "available"})
    offer = await next_frame(console, "routing", "offered")
    await console.send_json({"type": "accept", "task_id": offer["task_id"]})
    await next_frame(console, "ok", "accept")
    joined = await next_frame(chat, "agent_joined")
    assert joined["agent_name"] == "Bob"

    await console.send_json({"type": "message", "task_id": offer["task_id"], "text": "Hello!"})
    assert (await next_frame(chat, "agent"))["text"] == "Hello!"
    await chat.send_json({"type": "message", "text": "Where is my parcel?"})
    heard = await next_frame(console, "customer")
    assert heard["text"] == "Where is my parcel?"

    await console.send_json({"type": "resolve", "task_id": offer["task_id"]})
    await next_frame(chat, "csat_request")
    await chat.send_json({"type": "csat", "score": 4, "comment": "ok"})
    await next_frame(chat, "csat_ok")
    assert (await next_frame(console, "routing", "csat"))["score"] == 4

    from crm_core.services import csat
    from crm_core.unit_of_work import SqlUnitOfWork

    ratings = (await csat.list_csat(SqlUnitOfWork(app[keys.SESSION_FACTORY]))).items
    assert [(r.score, r.agent_id) for r in ratings] == [(4, world.agents["bob"])]
    for ws in (console, chat):
        await ws.close()
