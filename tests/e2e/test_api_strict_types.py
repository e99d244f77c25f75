"""API bodies are validated strictly, as the OpenAPI document types them: no bool for an
integer, no string for a number or a boolean (found by schemathesis on main:
``{"assignee_id": true}`` assigned agent 1)."""

from __future__ import annotations

import pytest

from tests.e2e.api_world import Api, api, api_on_both, seeded_sqlite_template  # noqa: F401


@pytest.mark.parametrize("body, field", [
    ({"assignee_id": True}, "assignee_id"), ({"assignee_id": "1"}, "assignee_id"),
    ({"assignee_id": 1.5}, "assignee_id"),
])
async def test_assign_refuses_bool_and_string_as_agent_id(api: Api, body, field) -> None:
    number = api.world.tickets["new"]
    status, data = await api.call("POST", f"/tickets/{number}/assign", "supervisor", json=body)
    assert status == 400, data
    assert field in data["error"]["details"]
    _, ticket = await api.call("GET", f"/tickets/{number}", "supervisor")
    assert ticket["assignee_id"] is None  # nothing was assigned


@pytest.mark.parametrize("body", [
    {"stock": True}, {"stock": "5"}, {"rebuyable": 1}, {"rebuyable": "true"},
    {"active": "false"}, {"name": 7},
])
async def test_product_patch_refuses_coercion(api: Api, body) -> None:
    product = api.world.products["MUG-1"]
    status, data = await api.call("PATCH", f"/products/{product}", "admin", json=body)
    assert status == 400, data
    assert set(body) <= set(data["error"]["details"])


async def test_documented_types_are_still_accepted(api: Api) -> None:
    product = api.world.products["MUG-1"]
    status, data = await api.call("PATCH", f"/products/{product}", "admin",
                                  json={"stock": 7, "rebuyable": True, "price": "3.10"})
    assert status == 200 and data["stock"] == 7, data
    status, _ = await api.call("PATCH", f"/products/{product}", "admin", json={"price": 3.2})
    assert status == 200  # a price may be a JSON number or a decimal string
    number = api.world.tickets["new"]
    status, data = await api.call("POST", f"/tickets/{number}/assign", "supervisor",
                                  json={"assignee_id": api.world.agents["agent"]})
    assert status == 200 and data["assignee_id"] == api.world.agents["agent"], data
    status, _ = await api.call("PATCH", f"/tickets/{number}", "supervisor",
                               json={"priority": "high"})  # enums are their JSON strings
    assert status == 200


async def test_query_strings_still_take_numbers_as_text(api: Api) -> None:
    status, data = await api.call("GET", "/customers?limit=2", "supervisor")
    assert status == 200 and data["limit"] == 2
    status, data = await api.call("GET", "/customers?name=a%00b", "supervisor")
    assert status == 400 and "NUL" in data["error"]["message"], data


@pytest.mark.postgres
async def test_nul_and_surrogates_in_paths_queries_and_bodies_never_500(api_on_both: Api) -> None:
    checked = 0
    for path in ["/orders/KF%00", "/tickets/T-1%00", "/orders/%ED%A0%80", "/customers/1%00",
                 "/orders?status=paid%00", "/audit?actor=agent%00"]:
        status, body = await api_on_both.call("GET", path, "admin")
        assert status in (400, 404), (path, body)
        checked += 1
    for raw in ['{"name": "a\\u0000"}', '{"name": "\\udfff"}', '{"country": "\\u0000"}']:
        status, body = await api_on_both.call(
            "PATCH", f"/customers/{api_on_both.world.customers['ann']}", "admin", data=raw,
            headers={"Content-Type": "application/json"})
        assert status == 400 and body["error"]["details"]["field"] in ("name", "country")
        checked += 1
    assert checked == 9
