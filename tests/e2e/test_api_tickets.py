"""Tickets and comments through the real app: filters, transitions, assignment by role."""

from __future__ import annotations

import pytest

from tests.e2e.api_world import Api, api, seeded_sqlite_template  # noqa: F401 - fixtures


async def test_list_filters(api: Api) -> None:
    status, page = await api.call("GET", "/tickets")
    assert status == 200 and page["total"] == 3
    status, page = await api.call("GET", "/tickets?priority=urgent")
    assert [t["number"] for t in page["items"]] == [api.world.tickets["urgent"]]
    bo = api.world.customers["bo"]
    status, page = await api.call("GET", f"/tickets?customer_id={bo}&status=new")
    assert [t["number"] for t in page["items"]] == [api.world.tickets["bo"]]
    status, page = await api.call("GET", "/tickets?unassigned=true&limit=1")
    assert page["total"] == 3 and len(page["items"]) == 1
    status, body = await api.call("GET", "/tickets?status=reopened&priority=meh")
    assert status == 400 and set(body["error"]["details"]) == {"status", "priority"}


async def test_create_takes_sla_from_policy(api: Api) -> None:
    status, ticket = await api.call("POST", "/tickets", who="agent2", json={
        "customer_id": api.world.customers["bo"], "subject": "Broken mug", "priority": "high",
        "description": "It arrived in pieces"})
    assert status == 201, ticket
    assert ticket["status"] == "new" and ticket["priority"] == "high"
    assert ticket["first_response_due"] < ticket["resolution_due"]
    status, page = await api.call("GET", f"/tickets/{ticket['number']}/comments",
                                  who="agent2")
    assert [c["body"] for c in page["items"]] == ["It arrived in pieces"]


@pytest.mark.parametrize(("body", "status_code"), [
    ({"customer_id": 999999, "subject": "x"}, 404),
    ({"customer_id": 1, "subject": ""}, 400),
    ({"subject": "x"}, 400),
])
async def test_create_errors(api: Api, body: dict, status_code: int) -> None:
    status, reply = await api.call("POST", "/tickets", json=body)
    assert status == status_code, reply


async def test_order_of_another_customer_cannot_be_attached(api: Api) -> None:
    status, reply = await api.call("POST", "/tickets", who="agent2", json={
        "customer_id": api.world.customers["bo"], "subject": "x",
        "order_number": api.world.orders["pending"]})
    assert status == 404 and reply["error"]["code"] == "order_not_found"


async def test_status_transitions(api: Api) -> None:
    number = api.world.tickets["new"]
    for target in ["open", "solved", "closed"]:
        status, ticket = await api.call("PATCH", f"/tickets/{number}", json={"status": target})
        assert status == 200 and ticket["status"] == target
    status, body = await api.call("PATCH", f"/tickets/{number}", json={"status": "open"})
    assert status == 422
    assert body["error"]["code"] == "invalid_transition"
    assert body["error"]["details"]["from"] == "closed"
    status, body = await api.call("PATCH", f"/tickets/{number}", json={})
    assert status == 400
    status, body = await api.call("PATCH", f"/tickets/{number}", json={"subject": "new"})
    assert status == 400 and "subject" in body["error"]["details"]


async def test_a_refused_status_change_leaves_the_priority_alone(api: Api) -> None:
    number = api.world.tickets["bo"]
    status, _ = await api.call("PATCH", f"/tickets/{number}", json={"status": "closed"})
    assert status == 200
    status, body = await api.call("PATCH", f"/tickets/{number}",
                                  json={"priority": "urgent", "status": "pending"})
    assert status == 422 and body["error"]["code"] == "invalid_transition"
    _, after = await api.call("GET", f"/tickets/{number}")
    assert (after["priority"], after["status"]) == ("low", "closed")


async def test_priority_change_moves_due_times(api: Api) -> None:
    number = api.world.tickets["bo"]
    _, before = await api.call("GET", f"/tickets/{number}")
    status, after = await api.call("PATCH", f"/tickets/{number}", json={"priority": "urgent"})
    assert status == 200 and after["priority"] == "urgent"
    assert after["resolution_due"] < before["resolution_due"]


async def test_agents_take_tickets_supervisors_reassign(api: Api) -> None:
    number = api.world.tickets["urgent"]
    me, other = api.world.agents["agent"], api.world.agents["agent2"]
    status, body = await api.call("POST", f"/tickets/{number}/assign",
                                  json={"assignee_id": other})
    assert status == 403
    status, ticket = await api.call("POST", f"/tickets/{number}/assign", json={"assignee_id": me})
    assert status == 200 and ticket["assignee_id"] == me and ticket["status"] == "open"
    status, body = await api.call("POST", f"/tickets/{number}/assign", who="agent2",
                                  json={"assignee_id": other})
    assert status == 403
    status, ticket = await api.call("POST", f"/tickets/{number}/assign", who="supervisor",
                                    json={"assignee_id": other})
    assert status == 200 and ticket["assignee_id"] == other
    status, page = await api.call("GET", f"/tickets?assignee_id={other}")
    assert [t["number"] for t in page["items"]] == [number]
    status, body = await api.call("POST", f"/tickets/{number}/assign", who="supervisor",
                                  json={"assignee_id": 999999})
    assert status == 404
    status, body = await api.call("POST", f"/tickets/{number}/assign", json={})
    assert status == 400 and "assignee_id" in body["error"]["details"]


async def test_public_replies_and_internal_notes(api: Api) -> None:
    number = api.world.tickets["new"]
    status, note = await api.call("POST", f"/tickets/{number}/comments",
                                  json={"body": "Customer sounds upset", "public": False})
    assert status == 201 and note["public"] is False
    assert note["author_agent_id"] == api.world.agents["agent"]
    status, reply = await api.call("POST", f"/tickets/{number}/comments",
                                   json={"body": "We are on it!"})
    assert status == 201 and reply["public"] is True
    status, page = await api.call("GET", f"/tickets/{number}/comments")
    assert [c["body"] for c in page["items"]] == [
        "My order is late", "Customer sounds upset", "We are on it!"]
    status, page = await api.call("GET", f"/tickets/{number}/comments?include_internal=false")
    assert "Customer sounds upset" not in [c["body"] for c in page["items"]]
    _, ticket = await api.call("GET", f"/tickets/{number}")
    assert ticket["status"] == "open" and ticket["first_responded_at"]
    status, body = await api.call("POST", f"/tickets/{number}/comments", json={"body": " "})
    assert status == 400
    entries = await api.audit(entity="ticket", entity_id=number)
    assert {"ticket.comment", "ticket.comments.view", "ticket.view"} <= {
        e.action for e in entries}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/tickets/T-1", None), ("GET", "/tickets/T-1/comments", None),
    ("PATCH", "/tickets/T-1", {"status": "open"}),
    ("POST", "/tickets/T-1/comments", {"body": "hello"}),
    ("POST", "/tickets/T-1/assign", {"assignee_id": None}),
])
async def test_unknown_ticket_is_404(api: Api, method: str, path: str, body: dict | None) -> None:
    status, reply = await api.call(method, path, json=body)
    assert status == 404, reply
    assert reply["error"]["code"] == "ticket_not_found"
