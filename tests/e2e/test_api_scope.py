"""The access rule through the real REST API, on SQLite and PostgreSQL: an agent sees and
changes only the customers of the conversations and tickets they hold (403
``out_of_scope`` otherwise, 404 for what does not exist); supervisors and admins see all.

The seeded world: "agent" chats with Ann, "agent2" with Bo, nobody holds Chen.
"""

from __future__ import annotations

from tests.e2e.api_world import (  # noqa: F401 - fixtures used by name
    Api,
    api,
    api_on_both,
    seeded_sqlite_template,
)


def _refused(status: int, body: dict) -> bool:
    return status == 403 and body["error"]["code"] == "out_of_scope"


async def test_agent_reads_only_their_customers(api_on_both: Api) -> None:
    api = api_on_both
    ann, bo, chen = (api.world.customers[k] for k in ("ann", "bo", "chen"))
    for path in (f"/customers/{bo}/360", f"/customers/{bo}", f"/customers/{chen}/360"):
        status, body = await api.call("GET", path, who="agent")
        assert _refused(status, body), (path, status, body)
        assert "@example.com" not in str(body)
    status, view = await api.call("GET", f"/customers/{bo}/360", who="agent2")
    assert status == 200 and view["customer"]["email"] == "bo@example.com"
    status, view = await api.call("GET", f"/customers/{ann}/360", who="agent")
    assert status == 200 and view["customer"]["email"] == "ann@example.com"
    for who in ("supervisor", "admin"):
        status, _ = await api.call("GET", f"/customers/{chen}/360", who=who)
        assert status == 200
    # What does not exist is still a 404, for agents too.
    status, body = await api.call("GET", "/customers/999999/360", who="agent")
    assert status == 404 and body["error"]["code"] == "customer_not_found"


async def test_customer_list_holds_only_their_customers(api_on_both: Api) -> None:
    api = api_on_both
    names = {}
    for who in ("agent", "agent2", "supervisor"):
        status, page = await api.call("GET", "/customers", who=who)
        assert status == 200, page
        names[who] = ({c["name"] for c in page["items"]}, page["total"])
    assert names["agent"] == ({"Ann Lee"}, 1)
    assert names["agent2"] == ({"Bo Chen"}, 1)
    assert names["supervisor"] == ({"Ann Lee", "Bo Chen", "Chen Wei"}, 3)
    # A filter cannot widen it: Bo by exact email is not in agent's list.
    status, page = await api.call("GET", "/customers?email=bo@example.com", who="agent")
    assert status == 200 and page["items"] == [] and page["total"] == 0


async def test_agent_cannot_patch_or_cancel_for_another_agents_customer(
        api_on_both: Api) -> None:
    api = api_on_both
    bo, bo_order = api.world.customers["bo"], api.world.orders["bo"]
    status, body = await api.call("PATCH", f"/customers/{bo}", who="agent",
                                  json={"email": "attacker@example.com"})
    assert _refused(status, body)
    for action, payload in (("cancel", {}), ("address", {"shipping_address": "9 Evil Way"}),
                            ("return", {"reason": "x"})):
        status, body = await api.call("POST", f"/orders/{bo_order}/{action}", who="agent",
                                      json=payload)
        assert _refused(status, body), (action, status, body)
    status, body = await api.call("GET", f"/orders/{bo_order}", who="agent")
    assert _refused(status, body)
    # Nothing changed, and Bo's own agent (or a supervisor) may.
    status, order = await api.call("GET", f"/orders/{bo_order}", who="supervisor")
    assert order["status"] == "pending" and order["shipping_address"] == "2 Long Road"
    status, customer = await api.call("PATCH", f"/customers/{bo}", who="agent2",
                                      json={"tier": "silver"})
    assert status == 200 and customer["email"] == "bo@example.com"
    status, order = await api.call("POST", f"/orders/{bo_order}/cancel", who="agent2")
    assert status == 200 and order["status"] == "cancelled"
    status, page = await api.call("GET", "/orders?limit=200", who="agent")
    assert status == 200 and {o["customer_id"] for o in page["items"]} == {
        api.world.customers["ann"]}


async def test_supervisor_changes_any_customer_and_order(api_on_both: Api) -> None:
    api = api_on_both
    chen = api.world.customers["chen"]
    status, customer = await api.call("PATCH", f"/customers/{chen}", who="supervisor",
                                      json={"tier": "gold"})
    assert status == 200 and customer["tier"] == "gold"
    status, order = await api.call("POST", f"/orders/{api.world.orders['bo']}/cancel",
                                   who="supervisor")
    assert status == 200 and order["status"] == "cancelled"


async def test_tickets_follow_the_rule_and_the_queue_stays_open(api_on_both: Api) -> None:
    api = api_on_both
    bo_ticket = api.world.tickets["bo"]
    # Unassigned: the shared queue, every agent may read and take it.
    status, ticket = await api.call("GET", f"/tickets/{bo_ticket}", who="agent")
    assert status == 200 and ticket["assignee_id"] is None
    status, _ = await api.call("POST", f"/tickets/{bo_ticket}/assign", who="supervisor",
                               json={"assignee_id": api.world.agents["agent2"]})
    assert status == 200
    for method, path, payload in (
            ("GET", f"/tickets/{bo_ticket}", None),
            ("PATCH", f"/tickets/{bo_ticket}", {"status": "open"}),
            ("GET", f"/tickets/{bo_ticket}/comments", None),
            ("POST", f"/tickets/{bo_ticket}/comments", {"body": "hi", "public": True}),
            ("POST", "/tickets", {"customer_id": api.world.customers["chen"],
                                  "subject": "self-granted access"})):
        status, body = await api.call(method, path, who="agent", json=payload)
        assert _refused(status, body), (method, path, status, body)
    status, page = await api.call("GET", "/tickets?limit=200", who="agent")
    assert bo_ticket not in {t["number"] for t in page["items"]}
    status, page = await api.call("GET", "/tickets?limit=200", who="agent2")
    assert bo_ticket in {t["number"] for t in page["items"]}


async def test_holding_ends_with_the_conversation(api: Api) -> None:
    from crm_core.db import create_engine, create_session_factory
    from crm_core.services import conversations
    from crm_core.unit_of_work import SqlUnitOfWork
    from tests.e2e.api_world import _settings_key

    bo = api.world.customers["bo"]
    status, _ = await api.call("GET", f"/customers/{bo}", who="agent2")
    assert status == 200
    engine = create_engine(api.client.server.app[_settings_key()].database_url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    try:
        async with uow:
            (chat,) = (await uow.conversations.list(customer_id=bo)).items
        await conversations.close_conversation(uow, chat.id, actor="system")
    finally:
        await engine.dispose()
    status, body = await api.call("GET", f"/customers/{bo}", who="agent2")
    assert _refused(status, body)


async def test_refusals_are_audited_nowhere_and_views_still_are(api: Api) -> None:
    """A refused read records no view (nothing was shown); an allowed one does."""
    bo = api.world.customers["bo"]
    await api.call("GET", f"/customers/{bo}/360", who="agent")
    await api.call("GET", f"/customers/{bo}/360", who="agent2")
    views = [(e.actor, e.action) for e in await api.audit(entity="customer", entity_id=bo)]
    assert (f"agent:{api.world.agents['agent2']}", "customer.view_360") in views
    assert all(actor != f"agent:{api.world.agents['agent']}" for actor, _ in views)
