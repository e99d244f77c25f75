"""``/api/v1/articles`` through the real app on SQLite and PostgreSQL: agents write
drafts, supervisors publish; the search ranks published passages only."""

from __future__ import annotations

import asyncio

import pytest

from bot.gateway import keys
from tests.e2e.api_world import (  # noqa: F401 - fixtures
    Api, api, api_on_both, seeded_sqlite_template,
)

CANADA = {"title": "Do you ship to Canada?", "category": "shipping", "language": "en",
          "body": "# Canada\n\nYes, we ship to Canada. Parcels arrive in 5-8 business days."}


@pytest.mark.postgres
async def test_agents_draft_supervisors_publish(api_on_both: Api) -> None:
    api = api_on_both
    status, body = await api.call("POST", "/articles", json=CANADA | {"status": "published"})
    assert status == 403 and body["error"]["details"]["required_role"] == "supervisor"
    status, draft = await api.call("POST", "/articles", json=CANADA)
    assert status == 201 and draft["status"] == "draft" and draft["slug"] == "do-you-ship-to-canada"
    assert draft["author_id"] == api.world.agents["agent"]
    status, _ = await api.call("PATCH", "/articles/do-you-ship-to-canada",
                               json={"body": "Yes. 5-8 business days, CA$15."})
    assert status == 200
    status, _ = await api.call("PATCH", "/articles/do-you-ship-to-canada",
                               json={"status": "published"})
    assert status == 403
    status, done = await api.call("PATCH", "/articles/do-you-ship-to-canada",
                                  json={"status": "published"}, who="supervisor")
    assert status == 200 and done["status"] == "published"
    status, _ = await api.call("PATCH", "/articles/do-you-ship-to-canada",
                               json={"title": "Shipping to Canada"})
    assert status == 403  # a published article is a supervisor's to edit
    status, page = await api.call("GET", "/articles?status=published&language=en")
    assert status == 200 and [a["slug"] for a in page["items"]] == ["do-you-ship-to-canada"]
    status, _ = await api.call("POST", "/articles", json=CANADA)
    assert status == 409
    actions = [e.action for e in await api.audit(entity="article")]
    assert actions == ["article.update", "article.update", "article.create"]
    resp = await api.client.delete("/api/v1/articles/do-you-ship-to-canada",
                                   headers={"Authorization": f"Bearer {api.token()}"})
    assert resp.status == 403
    resp = await api.client.delete("/api/v1/articles/do-you-ship-to-canada",
                                   headers={"Authorization": f"Bearer {api.token('supervisor')}"})
    assert resp.status == 204
    status, body = await api.call("GET", "/articles/do-you-ship-to-canada")
    assert status == 404 and body["error"]["code"] == "article_not_found"


@pytest.mark.parametrize("body", [
    {**CANADA, "language": "fr"}, {**CANADA, "title": ""}, {**CANADA, "extra": 1},
    {k: v for k, v in CANADA.items() if k != "body"}, {**CANADA, "slug": "../x"},
])
async def test_bad_bodies_are_400(api: Api, body: dict) -> None:
    status, reply = await api.call("POST", "/articles", json=body)
    assert status == 400, reply


async def test_search_sees_published_articles_within_seconds(api: Api) -> None:
    await api.call("POST", "/articles", json=CANADA)  # a draft: never searched
    base = api.client.server.app[keys.KNOWLEDGE]
    await base.refresh()
    status, page = await api.call("GET", "/articles/search?q=shipping+to+canada")
    assert status == 200 and page["items"] == []
    await api.call("PATCH", "/articles/do-you-ship-to-canada", json={"status": "published"},
                   who="supervisor")
    for _ in range(100):  # the app's own poller picks it up (every 2 s by default)
        status, page = await api.call("GET", "/articles/search?q=shipping+to+canada")
        if page["items"]:
            break
        await asyncio.sleep(0.1)
    assert page["items"][0]["url"] == "/help/do-you-ship-to-canada"
    assert page["items"][0]["confident"] is True
    status, _ = await api.call("GET", "/articles/search?q=")
    assert status == 400
