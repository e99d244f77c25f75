"""Orders through the real app: filters, the order rules as 422s, audit, and one whole
flow on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.e2e.api_world import (  # noqa: F401 - fixtures used by name
    Api, api, api_on_both, seeded_sqlite_template,
)


async def test_list_filters_by_customer_and_status(api: Api) -> None:
    ann, bo = api.world.customers["ann"], api.world.customers["bo"]
    status, page = await api.call("GET", f"/orders?customer_id={ann}")
    assert status == 200 and page["total"] == 5
    assert {o["customer_id"] for o in page["items"]} == {ann}
    status, page = await api.call("GET", "/orders?status=delivered")
    assert {o["number"] for o in page["items"]} == {
        api.world.orders["delivered"], api.world.orders["delivered_long_ago"]}
    status, page = await api.call("GET", f"/orders?customer_id={bo}&status=pending",
                                  who="agent2")
    assert [o["number"] for o in page["items"]] == [api.world.orders["bo"]]
    status, body = await api.call("GET", "/orders?status=lost")
    assert status == 400 and "status" in body["error"]["details"]
    status, body = await api.call("GET", "/orders?customer_id=0")
    assert status == 400 and "customer_id" in body["error"]["details"]


async def test_get_has_lines_and_is_audited(api: Api) -> None:
    number = api.world.orders["shipped"]
    status, order = await api.call("GET", f"/orders/{number}")
    assert status == 200
    assert order["status"] == "shipped" and order["tracking_number"] == "TRK1"
    assert order["lines"] == [{"product_id": api.world.products["MUG-1"], "sku": "MUG-1",
                               "name": "Blue mug", "quantity": 2, "unit_price": "9.50"}]
    entries = await api.audit(entity="order", entity_id=number)
    assert any(e.action == "order.view" for e in entries)


async def test_unknown_order_is_404(api: Api) -> None:
    status, body = await api.call("GET", "/orders/KF-1")
    assert status == 404 and body["error"]["code"] == "order_not_found"
    status, body = await api.call("POST", "/orders/KF-1/cancel")
    assert status == 404


async def test_cancel_before_shipping_then_not_again(api: Api) -> None:
    number = api.world.orders["paid"]
    status, order = await api.call("POST", f"/orders/{number}/cancel",
                                   json={"reason": "changed my mind"})
    assert status == 200 and order["status"] == "cancelled" and order["cancelled_at"]
    status, body = await api.call("POST", f"/orders/{number}/cancel")
    assert status == 422
    assert body["error"]["code"] == "order_not_cancellable"


async def test_cancel_after_shipping_is_422_with_details(api: Api) -> None:
    number = api.world.orders["shipped"]
    status, body = await api.call("POST", f"/orders/{number}/cancel")
    assert status == 422
    assert body["error"]["code"] == "order_not_cancellable"
    assert body["error"]["details"] == {"order": number, "status": "shipped"}


async def test_address_change_only_before_shipping(api: Api) -> None:
    pending, shipped = api.world.orders["pending"], api.world.orders["shipped"]
    status, order = await api.call("POST", f"/orders/{pending}/address",
                                   json={"shipping_address": "9 New Lane, Leeds"})
    assert status == 200 and order["shipping_address"] == "9 New Lane, Leeds"
    status, body = await api.call("POST", f"/orders/{shipped}/address",
                                  json={"shipping_address": "9 New Lane, Leeds"})
    assert status == 422 and body["error"]["code"] == "address_change_not_allowed"
    status, body = await api.call("POST", f"/orders/{pending}/address",
                                  json={"address": "9 New Lane"})
    assert status == 400
    assert set(body["error"]["details"]) == {"shipping_address", "address"}


@pytest.mark.parametrize(("key", "expected"), [
    ("delivered", 200), ("delivered_long_ago", 422), ("shipped", 422),
])
async def test_return_window(api: Api, key: str, expected: int) -> None:
    status, body = await api.call("POST", f"/orders/{api.world.orders[key]}/return",
                                  json={"reason": "too small"})
    assert status == expected, body
    if expected == 200:
        assert body["status"] == "returned" and body["return_reason"] == "too small"
    else:
        assert body["error"]["code"] == "return_not_allowed"


@pytest.mark.postgres
async def test_order_and_ticket_flow_on_both_databases(api_on_both: Api) -> None:
    api = api_on_both
    ann = api.world.customers["ann"]
    status, page = await api.call("GET", f"/orders?customer_id={ann}&limit=2")
    assert status == 200 and page["total"] == 5 and len(page["items"]) == 2
    status, body = await api.call("POST", f"/orders/{api.world.orders['shipped']}/cancel")
    assert status == 422 and body["error"]["code"] == "order_not_cancellable"
    status, order = await api.call("POST", f"/orders/{api.world.orders['pending']}/cancel")
    assert status == 200 and order["status"] == "cancelled"
    status, ticket = await api.call("POST", "/tickets", json={
        "customer_id": ann, "subject": "Where is my refund?",
        "order_number": api.world.orders["pending"], "priority": "high"})
    assert status == 201, ticket
    status, ticket = await api.call("PATCH", f"/tickets/{ticket['number']}",
                                    json={"status": "pending"})
    assert status == 200 and ticket["status"] == "pending"
    status, view = await api.call("GET", f"/customers/{ann}/360")
    assert status == 200 and ticket["number"] in {t["number"] for t in view["open_tickets"]}
    status, body = await api.call("GET", "/customers/99999999999999999999")
    assert status == 404
    entries = await api.audit(entity="customer", entity_id=ann)
    assert any(e.action == "customer.view_360" for e in entries)
