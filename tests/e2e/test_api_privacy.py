"""Right of access and erasure through the real API (admins only), and list views audited
record by record, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.e2e.api_world import Api, api_on_both, seeded_sqlite_template  # noqa: F401


async def _audit(api: Api, action: str, **filters: object) -> list:
    return [e for e in await api.audit(**filters) if e.action == action]


@pytest.mark.parametrize("who", ["agent", "supervisor"])
async def test_only_admins_export_or_erase(api_on_both: Api, who: str) -> None:
    ann = api_on_both.world.customers["ann"]
    status, body = await api_on_both.call("GET", f"/customers/{ann}/export", who=who)
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, _ = await api_on_both.call("POST", f"/customers/{ann}/erase", who=who,
                                       json={"confirm": ann})
    assert status == 403
    status, _ = await api_on_both.call("GET", f"/customers/{ann}/export", who=None)
    assert status == 401


async def test_export_holds_everything_and_is_audited(api_on_both: Api) -> None:
    api, ann = api_on_both, api_on_both.world.customers["ann"]
    status, data = await api.call("GET", f"/customers/{ann}/export", who="admin")
    assert status == 200, data
    assert data["customer"]["email"] == "ann@example.com"
    assert data["customer"]["phone"] == "+442079460001"
    assert {o["number"] for o in data["orders"]} == {
        api.world.orders[k] for k in ("pending", "paid", "shipped", "delivered",
                                      "delivered_long_ago")}
    assert all(o["shipping_address"] == "1 High Street, London" for o in data["orders"])
    assert {t["number"] for t in data["tickets"]} == {api.world.tickets["new"],
                                                      api.world.tickets["urgent"]}
    entries = await _audit(api, "customer.export", entity="customer", entity_id=ann)
    assert [e.actor for e in entries] == [f"agent:{api.world.agents['admin']}"]
    status, _ = await api.call("GET", "/customers/999999/export", who="admin")
    assert status == 404


@pytest.mark.parametrize("body", [{}, {"confirm": 999}, {"confirm": True}, {"confirm": "x"}])
async def test_erase_needs_the_id_repeated(api_on_both: Api, body: dict) -> None:
    ann = api_on_both.world.customers["ann"]
    status, reply = await api_on_both.call("POST", f"/customers/{ann}/erase", who="admin",
                                           json=body)
    assert status == 400 and reply["error"]["code"] == "invalid_input"
    status, customer = await api_on_both.call("GET", f"/customers/{ann}", who="admin")
    assert customer["email"] == "ann@example.com"


async def test_erase_removes_pii_and_keeps_orders(api_on_both: Api) -> None:
    api, ann = api_on_both, api_on_both.world.customers["ann"]
    status, counts = await api.call("POST", f"/customers/{ann}/erase", who="admin",
                                    json={"confirm": ann})
    assert status == 200, counts
    assert counts["customer_id"] == ann and counts["orders"] == 5 and counts["tickets"] == 2
    status, customer = await api.call("GET", f"/customers/{ann}", who="admin")
    assert status == 200
    assert (customer["email"], customer["phone"]) == (None, None)
    assert "Ann" not in customer["name"]
    status, page = await api.call("GET", f"/orders?customer_id={ann}", who="admin")
    assert page["total"] == 5
    status, page = await api.call("GET", "/customers?email=ann@example.com", who="admin")
    assert page["total"] == 0
    erased = await _audit(api, "customer.erase", entity="customer", entity_id=ann)
    assert len(erased) == 1 and erased[0].details["orders"] == 5


async def test_list_views_are_audited_per_record(api_on_both: Api) -> None:
    api = api_on_both
    ann, bo, chen = (api.world.customers[k] for k in ("ann", "bo", "chen"))
    supervisor = f"agent:{api.world.agents['supervisor']}"
    status, _ = await api.call("GET", "/customers?country=CN", who="supervisor")
    assert status == 200
    listed = await _audit(api, "customer.list", actor=supervisor)
    assert sorted(e.entity_id for e in listed) == sorted([str(bo), str(chen)])
    assert all(e.details["country"] == "CN" for e in listed)
    await api.call("GET", "/orders?status=shipped", who="supervisor")
    assert [e.entity_id for e in await _audit(api, "order.list", actor=supervisor)] == [
        str(ann)]
    await api.call("GET", "/tickets", who="supervisor")
    tickets = await _audit(api, "ticket.list", actor=supervisor)
    assert sorted(e.entity_id for e in tickets) == sorted([str(ann), str(bo)])
    # A search that finds nobody is still a look at customer data.
    await api.call("GET", "/customers?email=who@example.com", who="supervisor")
    empty = [e for e in await _audit(api, "customer.list", actor=supervisor)
             if e.entity_id == "*"]
    assert len(empty) == 1 and empty[0].details["email"] == "who@example.com"
