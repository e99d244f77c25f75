"""A console WebSocket re-checks its agent: disabled, or with a revoked token, the socket
gets an error frame and close code 4401, and the agent gets no further offers. In-process
and on Redis (the multi-worker setup), through the real app."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import WSMsgType

from bot.gateway import keys
from bot.gateway.console import views
from crm_core.services import agents
from crm_core.unit_of_work import SqlUnitOfWork
from tests.e2e.console_world import ConsoleWorld, login
from tests.e2e.test_console_flow import (  # noqa: F401 - fixtures used by name
    backend_url,
    client,
    customer_asks_for_a_human,
    next_frame,
    world,
)


def _uow(client: Any) -> SqlUnitOfWork:
    return SqlUnitOfWork(client.server.app[keys.SESSION_FACTORY])


async def _closed_with(ws: Any, code: str, timeout: float = 5) -> None:
    """The console is told why (an error frame) and then closed with 4401."""
    frame = await next_frame(ws, "error", "auth", timeout=timeout)
    assert frame["error"]["code"] == code
    msg = await ws.receive(timeout=timeout)
    while msg.type == WSMsgType.TEXT:  # events pushed just before the close
        msg = await ws.receive(timeout=timeout)
    assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
    assert ws.close_code == views.CLOSE_REVOKED


async def test_idle_console_of_a_disabled_agent_is_closed_and_gets_no_offers(
        client: Any, world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "RECHECK_SECONDS", 0.2)
    console = await client.ws_connect(f"/console/ws?token={await login(client, 'alice')}")
    await next_frame(console, "hello")
    # Disabled elsewhere (the CLI, another worker): only the CRM knows.
    await agents.set_active(_uow(client), world.agents["alice"], False, actor="test")
    await _closed_with(console, "unauthenticated")
    chat, _, _ = await customer_asks_for_a_human(client)
    router = client.server.app[keys.ROUTER]
    (task,) = await router.store.tasks()
    assert task.agent_id is None  # waiting: nobody to offer it to
    snapshot = await router.snapshot()
    assert {a.agent_id: a.presence.value for a in snapshot.agents}[
        world.agents["alice"]] == "offline"
    await chat.close()


async def test_a_frame_after_a_password_change_is_refused_and_closes(
        client: Any, world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "RECHECK_SECONDS", 60)  # only the frame check acts here
    console = await client.ws_connect(f"/console/ws?token={await login(client, 'alice')}")
    await next_frame(console, "hello")
    await agents.update_agent(_uow(client), world.agents["alice"],
                              agents.AgentChanges(password="another pass phrase"),
                              actor="test")
    await console.send_json({"type": "presence", "presence": "away"})
    await _closed_with(console, "token_revoked")
    # The frame was not acted on: Alice did not go "away" (she went offline).
    agent = await agents.get_agent(_uow(client), world.agents["alice"])
    assert str(agent.presence) == "offline"


async def test_an_offer_is_not_pushed_to_a_disabled_agent_but_to_a_colleague(
        client: Any, world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "RECHECK_SECONDS", 60)  # only the offer check acts here
    alice = await client.ws_connect(f"/console/ws?token={await login(client, 'alice')}")
    await next_frame(alice, "hello")
    await agents.set_active(_uow(client), world.agents["alice"], False, actor="test")
    bob = await client.ws_connect(f"/console/ws?token={await login(client, 'bob')}")
    await next_frame(bob, "hello")
    chat, _, _ = await customer_asks_for_a_human(client)
    offer = await next_frame(bob, "routing", "offered", timeout=10)
    assert offer["task"]["sender_id"]
    await _closed_with(alice, "unauthenticated")
    for ws in (bob, chat):
        await ws.close()


async def test_disabling_through_the_api_takes_the_agent_out_of_the_queue_at_once(
        client: Any, world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin's PATCH ``active: false`` revokes and goes offline in the shared queue
    before any console check runs; the socket then closes on its next check."""
    from crm_core.domain import AgentRole

    monkeypatch.setattr(views, "RECHECK_SECONDS", 0.2)
    admin = await agents.create_agent(_uow(client), agents.NewAgent(
        email="root@kefu.test", name="Root", password="console pass phrase",
        role=AgentRole.ADMIN), actor="test")
    alice = await client.ws_connect(f"/console/ws?token={await login(client, 'alice')}")
    await next_frame(alice, "hello")
    resp = await client.patch(f"/api/v1/agents/{world.agents['alice']}", json={
        "active": False}, headers={"Authorization": f"Bearer {await login(client, 'root')}"})
    assert resp.status == 200, await resp.text()
    snapshot = await client.server.app[keys.ROUTER].snapshot()
    assert {a.agent_id: a.presence.value for a in snapshot.agents}[
        world.agents["alice"]] == "offline"
    await _closed_with(alice, "unauthenticated")
    assert admin.id
