"""Keyset (cursor) pagination of the large lists through the real app, on SQLite and
PostgreSQL: the pages a cursor walk returns equal the offset pages, bad cursors are 400."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.api_world import (  # noqa: F401 - fixtures
    Api,
    api,
    api_on_both,
    seeded_sqlite_template,
)


async def _walk(api: Api, path: str, limit: int, who: str = "supervisor") -> list[Any]:
    """Every item of ``path``, following ``next_cursor`` from the first page (as a
    supervisor by default: agents see only the customers they hold)."""
    sep = "&" if "?" in path else "?"
    status, page = await api.call("GET", f"{path}{sep}limit={limit}", who=who)
    assert status == 200, page
    items = page["items"]
    for _ in range(50):
        if page["next_cursor"] is None:
            return items
        assert len(page["items"]) == limit and page["offset"] == 0
        status, page = await api.call("GET", f"{path}{sep}limit={limit}"
                                             f"&cursor={page['next_cursor']}", who=who)
        assert status == 200, page
        items += page["items"]
    raise AssertionError("the listing never ended")


WALKS = [
    ("/customers", "id"), ("/customers?country=CN", "id"),
    ("/orders", "number"), ("/orders?status=delivered", "number"),
    ("/tickets", "number"), ("/tickets?priority=urgent", "number"),
    ("/tickets?unassigned=true", "number"),
]


async def test_cursor_walk_equals_the_offset_list(api_on_both: Api) -> None:
    ann = api_on_both.world.customers["ann"]
    for path, key in [*WALKS, (f"/orders?customer_id={ann}", "number")]:
        sep = "&" if "?" in path else "?"
        status, everything = await api_on_both.call("GET", f"{path}{sep}limit=200",
                                                    who="supervisor")
        assert status == 200 and everything["next_cursor"] is None
        walked = await _walk(api_on_both, path, limit=1)
        assert [item[key] for item in walked] == [item[key] for item in everything["items"]]
        assert len(walked) == everything["total"] > 0, path


async def test_offset_pages_still_work_and_say_where_the_next_starts(api: Api) -> None:
    status, first = await api.call("GET", "/orders?limit=2&offset=1")
    assert status == 200 and (first["limit"], first["offset"]) == (2, 1)
    status, rest = await api.call("GET", f"/orders?limit=200&cursor={first['next_cursor']}")
    status, whole = await api.call("GET", "/orders?limit=200")
    numbers = [o["number"] for o in whole["items"]]
    assert [o["number"] for o in first["items"] + rest["items"]] == numbers[1:]
    assert rest["next_cursor"] is None and rest["total"] == whole["total"]


@pytest.mark.parametrize(("query", "field"), [
    ("/customers?cursor=abc", "cursor"),                 # decodes to nothing
    ("/customers?cursor=a%20b", "cursor"),               # not base64url
    ("/customers?cursor=" + "A" * 600, "cursor"),        # too long
    ("/customers?cursor=", "cursor"),
    ("/customers?cursor=abc&cursor=abd", "cursor"),
])
async def test_bad_cursors_are_400(api: Api, query: str, field: str) -> None:
    status, body = await api.call("GET", query)
    assert status == 400, body
    assert body["error"]["code"] == "invalid_input" and field in body["error"]["details"]


async def test_cursor_of_another_list_or_with_offset_is_400(api: Api) -> None:
    _, orders = await api.call("GET", "/orders?limit=1")
    status, body = await api.call("GET", f"/tickets?cursor={orders['next_cursor']}")
    assert status == 400 and body["error"]["details"] == {"cursor": "invalid for this list"}
    status, body = await api.call("GET", f"/orders?offset=1&cursor={orders['next_cursor']}")
    assert status == 400 and "offset" in body["error"]["details"]


async def test_small_lists_keep_the_plain_envelope(api: Api) -> None:
    status, page = await api.call("GET", "/products?limit=1")
    assert status == 200 and set(page) == {"items", "total", "limit", "offset"}
    status, body = await api.call("GET", "/products?cursor=abc")
    assert status == 400 and "cursor" in body["error"]["details"]
