"""Help-center articles on real SQLite and PostgreSQL: write, publish, import by slug,
counters, audit."""

from __future__ import annotations

import pytest

from crm_core.domain.articles import ArticleLanguage, ArticleStatus
from crm_core.errors import ArticleNotFound, DuplicateKey, InvalidInput
from crm_core.services import articles, audit
from tests.integration.crm_support import *  # noqa: F403 - fixtures


def _new(title: str = "Do you ship to Canada?", **kw: object) -> articles.NewArticle:
    fields: dict = {"body": "Yes, in 5-8 business days.", "category": "shipping",
                    "language": ArticleLanguage.EN} | kw
    return articles.NewArticle(title=title, **fields)


async def test_create_publish_and_audit(uow) -> None:
    article = await articles.create_article(uow, _new(), actor="agent:1")
    assert article.slug == "do-you-ship-to-canada" and article.status == ArticleStatus.DRAFT
    with pytest.raises(DuplicateKey):
        await articles.create_article(uow, _new(), actor="agent:1")
    before = article.updated_at
    published = await articles.update_article(
        uow, article.slug, articles.ArticleChanges(status=ArticleStatus.PUBLISHED),
        actor="agent:2")
    assert published.status == ArticleStatus.PUBLISHED and published.updated_at > before
    assert [a.slug for a in await articles.published_articles(uow)] == [article.slug]
    entries = (await audit.list_entries(uow, entity="article")).items
    assert [e.action for e in entries] == ["article.update", "article.create"]
    assert entries[0].details == {"fields": ["status"], "status": "published"}


async def test_bad_input_is_refused(uow) -> None:
    with pytest.raises(InvalidInput):
        await articles.create_article(uow, _new(title="  "), actor="system")
    with pytest.raises(InvalidInput):
        await articles.create_article(uow, _new(category="x" * 65), actor="system")
    await articles.create_article(uow, _new(), actor="system")
    with pytest.raises(InvalidInput):
        await articles.update_article(uow, "do-you-ship-to-canada",
                                      articles.ArticleChanges(title=None), actor="system")  # type: ignore[arg-type]
    with pytest.raises(ArticleNotFound):
        await articles.get_article(uow, "nope")


async def test_import_updates_by_slug_and_never_duplicates(uow) -> None:
    batch = [_new(status=ArticleStatus.PUBLISHED),
             _new("配送到加拿大", language=ArticleLanguage.ZH, body="可以，五到八个工作日。",
                  slug="ship-canada-zh", status=ArticleStatus.PUBLISHED)]
    first = await articles.import_articles(uow, batch, actor="cli")
    assert sorted(first.created) == ["do-you-ship-to-canada", "ship-canada-zh"]
    again = await articles.import_articles(uow, batch, actor="cli")
    assert again.created == () and sorted(again.unchanged) == sorted(first.created)
    edited = [_new(body="Yes, in 3-5 business days.", status=ArticleStatus.PUBLISHED)]
    third = await articles.import_articles(uow, edited, actor="cli")
    assert third.updated == ("do-you-ship-to-canada",)
    page = await articles.list_articles(uow)
    assert page.total == 2
    assert (await articles.get_article(uow, "do-you-ship-to-canada")).body.startswith(
        "Yes, in 3-5")
    count, latest = await articles.articles_version(uow)
    assert count == 2 and latest is not None


async def test_counters_add_up(uow) -> None:
    article = await articles.create_article(uow, _new(status=ArticleStatus.PUBLISHED),
                                            actor="system")
    for _ in range(3):
        await articles.record_view(uow, article.id)
    await articles.record_vote(uow, article.slug, True)
    await articles.record_vote(uow, article.slug, False)
    await articles.record_vote(uow, article.slug, True)
    again = await articles.get_article(uow, article.slug)
    assert (again.views, again.helpful_yes, again.helpful_no) == (3, 2, 1)
    assert again.updated_at == article.updated_at  # counts do not re-index
    with pytest.raises(ArticleNotFound):
        await articles.record_vote(uow, "gone", True)
