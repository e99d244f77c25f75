"""Customers and products through the real app: filters, pagination, 360, audit, 404s."""

from __future__ import annotations

import pytest

from tests.e2e.api_world import Api, api, seeded_sqlite_template  # noqa: F401 - fixtures


async def test_list_is_paginated_with_totals(api: Api) -> None:
    status, page = await api.call("GET", "/customers?limit=2", who="supervisor")
    assert status == 200
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert [c["name"] for c in page["items"]] == ["Ann Lee", "Bo Chen"]
    status, page = await api.call("GET", "/customers?limit=2&offset=2", who="supervisor")
    assert [c["name"] for c in page["items"]] == ["Chen Wei"] and page["total"] == 3


@pytest.mark.parametrize(("query", "names"), [
    ("name=chen", {"Bo Chen", "Chen Wei"}),
    ("country=CN", {"Bo Chen", "Chen Wei"}),
    ("tier=vip", {"Chen Wei"}),
    ("country=CN&tier=standard", {"Bo Chen"}),
    ("email=ANN@example.com", {"Ann Lee"}),
    ("phone=%2B44 20 7946-0001", {"Ann Lee"}),
    ("email=ann@example.com&country=CN", set()),
    ("email=nobody@example.com", set()),
])
async def test_filters(api: Api, query: str, names: set[str]) -> None:
    status, page = await api.call("GET", f"/customers?{query}", who="supervisor")
    assert status == 200, page
    assert {c["name"] for c in page["items"]} == names and page["total"] == len(names)


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
    ("offset=-1", "offset"), ("tier=platinum", "tier"), ("colour=blue", "colour"),
    ("limit=5&limit=6", "limit"),
])
async def test_bad_query_parameters_are_400_with_field_details(api: Api, query: str,
                                                               field: str) -> None:
    status, body = await api.call("GET", f"/customers?{query}")
    assert status == 400
    assert body["error"]["code"] == "invalid_input"
    assert field in body["error"]["details"]


async def test_create_get_patch(api: Api) -> None:
    status, created = await api.call("POST", "/customers", json={
        "name": "  Dana Smith ", "email": "Dana@Example.com", "country": "US"})
    assert status == 201, created
    assert (created["name"], created["email"], created["tier"]) == (
        "Dana Smith", "dana@example.com", "standard")
    path = f"/customers/{created['id']}"
    # Nobody holds a customer just created: a supervisor edits them.
    status, patched = await api.call("PATCH", path, who="supervisor",
                                     json={"tier": "gold", "phone": "+1 555 0100"})
    assert status == 200 and patched["tier"] == "gold" and patched["phone"] == "+15550100"
    status, fetched = await api.call("GET", path, who="supervisor")
    assert status == 200 and fetched == patched


async def test_duplicate_email_is_409(api: Api) -> None:
    status, body = await api.call("POST", "/customers", json={"name": "X",
                                                             "email": "ann@example.com"})
    assert status == 409
    assert body["error"]["details"]["field"] == "email"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "X", "email": "not-an-email"}, "email"),
    ({"name": "X", "tier": "platinum"}, "tier"),
    ({"name": "X", "is_admin": True}, "is_admin"),
    ({"name": 12}, "name"),
])
async def test_bad_bodies_are_400_with_field_details(api: Api, body: dict, field: str) -> None:
    status, reply = await api.call("POST", "/customers", json=body)
    assert status == 400
    assert reply["error"]["code"] == "invalid_input" and field in reply["error"]["details"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b"\xff\xfe", b"null"])
async def test_malformed_json_is_a_clear_400(api: Api, raw: bytes) -> None:
    status, reply = await api.call("POST", "/customers", data=raw,
                                   headers={"Content-Type": "application/json"})
    assert status == 400
    assert reply["error"]["code"] == "invalid_input"
    assert "JSON" in reply["error"]["message"]


@pytest.mark.parametrize("path", ["/customers/999999", "/customers/99999999999999999999999",
                                  "/customers/999999/360", "/products/424242"])
async def test_unknown_ids_are_404(api: Api, path: str) -> None:
    status, body = await api.call("GET", path)
    assert status == 404
    assert body["error"]["code"].endswith("not_found")


async def test_customer_360(api: Api) -> None:
    ann = api.world.customers["ann"]
    status, view = await api.call("GET", f"/customers/{ann}/360")
    assert status == 200
    assert view["customer"]["email"] == "ann@example.com"
    assert {o["number"] for o in view["recent_orders"]} == {
        api.world.orders[k] for k in ("pending", "paid", "shipped", "delivered",
                                      "delivered_long_ago")}
    assert {t["number"] for t in view["open_tickets"]} == {api.world.tickets["new"],
                                                           api.world.tickets["urgent"]}


async def test_agent_views_of_customer_data_are_audited(api: Api) -> None:
    ann = api.world.customers["ann"]
    await api.call("GET", f"/customers/{ann}")
    await api.call("GET", f"/customers/{ann}/360", who="supervisor")
    entries = await api.audit(entity="customer", entity_id=ann)
    seen = {(e.actor, e.action) for e in entries}
    assert (f"agent:{api.world.agents['agent']}", "customer.view") in seen
    assert (f"agent:{api.world.agents['supervisor']}", "customer.view_360") in seen


async def test_products_read_and_admin_write(api: Api) -> None:
    status, page = await api.call("GET", "/products?category=kitchen")
    assert status == 200 and [p["sku"] for p in page["items"]] == ["MUG-1"]
    assert page["items"][0]["price"] == "9.50"
    status, page = await api.call("GET", "/products?search=tea")
    assert [p["sku"] for p in page["items"]] == ["TEA-1"]
    mug = api.world.products["MUG-1"]
    status, body = await api.call("PATCH", f"/products/{mug}", json={"price": "11.00"})
    assert status == 403
    status, body = await api.call("PATCH", f"/products/{mug}", who="admin",
                                  json={"price": "11.00", "stock": 7})
    assert status == 200 and (body["price"], body["stock"]) == ("11.00", 7)
    status, body = await api.call("PATCH", f"/products/{mug}", who="admin",
                                  json={"price": "-1"})
    assert status == 400 and "price" in body["error"]["details"]
    status, body = await api.call("PATCH", f"/products/{mug}", who="admin", json={"name": None})
    assert status == 400
    status, body = await api.call("POST", "/products", who="admin",
                                  json={"sku": "MUG-1", "name": "Dup", "price": "1"})
    assert status == 409


async def test_admins_read_the_audit_log(api: Api) -> None:
    ann = api.world.customers["ann"]
    await api.call("GET", f"/customers/{ann}/360")
    agent = f"agent:{api.world.agents['agent']}"
    status, _ = await api.call("GET", f"/audit?actor={agent}")
    assert status == 403
    status, page = await api.call("GET", f"/audit?actor={agent}&entity=customer", who="admin")
    assert status == 200
    assert [(e["action"], e["entity_id"]) for e in page["items"]] == [
        ("customer.view_360", str(ann))]
