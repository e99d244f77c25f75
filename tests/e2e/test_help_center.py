"""The public help center through the real app: categories, articles rendered without
raw HTML, search with highlighted snippets, the language switch, drafts hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.gateway import keys
from crm_core.db import create_engine, create_session_factory
from crm_core.domain.articles import ArticleLanguage, ArticleStatus
from crm_core.services import articles
from crm_core.unit_of_work import SqlUnitOfWork
from tests.e2e.chat_support import chat_app, create_schema

PUBLISHED = ArticleStatus.PUBLISHED
ITEMS = [
    articles.NewArticle(title="Shipping to Canada", category="shipping", slug="canada",
                        language=ArticleLanguage.EN, status=PUBLISHED,
                        body="# Canada\n\nWe ship to **Canada** in 5-8 days.\n\n"
                             "<script>alert(1)</script>\n\n[bad](javascript:alert(1))"),
    articles.NewArticle(title="Secret plans", category="shipping", slug="secret",
                        language=ArticleLanguage.EN, body="Not yet."),
    articles.NewArticle(title="配送到加拿大", category="配送", slug="canada-zh",
                        language=ArticleLanguage.ZH, status=PUBLISHED,
                        body="我们配送到加拿大，五到八天送达。"),
]


@pytest.fixture
async def client(aiohttp_client, sqlite_url: str, tmp_path: Path, nlu_model_dir: Path):
    await create_schema(sqlite_url)
    engine = create_engine(sqlite_url)
    try:
        await articles.import_articles(SqlUnitOfWork(create_session_factory(engine)), ITEMS,
                                       actor="test")
    finally:
        await engine.dispose()
    client = await aiohttp_client(chat_app(sqlite_url, tmp_path, nlu_model_dir))
    await client.server.app[keys.KNOWLEDGE].refresh()
    return client


async def _get(client, path: str, status: int = 200, **headers: str) -> str:
    resp = await client.get(path, headers=headers)
    assert resp.status == status, path
    assert "default-src 'self'" in resp.headers.get("Content-Security-Policy", "")
    return await resp.text()


async def test_home_category_and_article(client) -> None:
    home = await _get(client, "/help?lang=en")
    assert "/help/category/shipping?lang=en" in home and "配送" not in home
    category = await _get(client, "/help/category/shipping?lang=en")
    assert "/help/canada" in category and "secret" not in category.lower()
    page = await _get(client, "/help/canada")
    assert "<strong>Canada</strong>" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and "<script" not in page
    await _get(client, "/help/secret", 404)  # a draft
    await _get(client, "/help/nope", 404)
    await _get(client, "/help/category/nothing", 404)


async def test_search_highlights_and_switches_language(client) -> None:
    results = await _get(client, "/help/search?q=shipping+canada&lang=en")
    assert "<mark>ship</mark>" in results and "<mark>Canada</mark>" in results
    assert 'href="/help/canada"' in results
    zh = await _get(client, "/help/search?q=加拿大&lang=zh")
    assert "<mark>加拿大</mark>" in zh and 'href="/help/canada-zh"' in zh
    assert 'lang="zh-CN"' in zh and "?lang=en&amp;q=" in zh
    auto = await _get(client, "/help", **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "帮助中心" in auto and "/help/category/%E9%85%8D%E9%80%81?lang=zh" in auto
    hostile = await _get(client, "/help/search?q=%3Cimg+src%3Dx%3E&lang=en")
    assert "<img" not in hostile
    css = await client.get("/help/static/help.css")
    assert css.status == 200


async def test_chat_page_links_the_help_center(client) -> None:
    page = await _get(client, "/")
    assert 'href="/help"' in page
