"""The bot answers from the help center through the real app (real NLU, real CRM):
a paraphrased question gets the article's passage and its /help link in English and
Chinese; "Yes" counts as helpful, "No" moves on to a person; a question no article
covers gets "I don't know" and the offer of a person, never an invented answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.gateway import keys
from crm_core.db import create_engine, create_session_factory
from crm_core.domain.articles import ArticleLanguage, ArticleStatus
from crm_core.services import articles
from crm_core.unit_of_work import SqlUnitOfWork
from tests.e2e.chat_support import Seeded, chat_app_with_nlu, seed_fast as seed

ARTICLES = [
    articles.NewArticle(
        title="Gift cards", category="payments", language=ArticleLanguage.EN,
        status=ArticleStatus.PUBLISHED, slug="gift-cards",
        body="# Gift cards\n\nGift cards never expire and can be redeemed on any order at "
             "checkout. A gift card cannot be exchanged for cash.\n\n## Lost gift cards\n\n"
             "A lost gift card can be blocked and reissued if you still have the receipt."),
    articles.NewArticle(
        title="礼品卡", category="payments", language=ArticleLanguage.ZH,
        status=ArticleStatus.PUBLISHED, slug="gift-cards-zh",
        body="礼品卡永久有效，结账时可以用于任何订单。礼品卡不能兑换现金。"),
]


async def _publish(url: str, items: list[articles.NewArticle]) -> None:
    engine = create_engine(url)
    try:
        await articles.import_articles(SqlUnitOfWork(create_session_factory(engine)), items,
                                       actor="test")
    finally:
        await engine.dispose()


@pytest.fixture
async def seeded(sqlite_url: str) -> Seeded:
    seeded = await seed(sqlite_url)
    await _publish(sqlite_url, ARTICLES)
    return seeded


@pytest.fixture
async def client(aiohttp_client, sqlite_url: str, seeded: Seeded, tmp_path: Path,
                 nlu_model_dir: Path):
    return await aiohttp_client(chat_app_with_nlu(sqlite_url, tmp_path, nlu_model_dir))


async def say(client, sender: str, text: str) -> list[dict]:
    resp = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def _text(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def _button(replies: list[dict], title_part: str) -> str:
    return next(b["payload"] for r in replies for b in r.get("buttons", ())
                if title_part in b["title"])


async def test_paraphrase_answered_with_the_link_in_english(client, sqlite_url: str) -> None:
    replies = await say(client, "kb1", "do gift cards ever expire?")
    text = _text(replies)
    assert "never expire" in text and "/help/gift-cards" in text
    custom = next(r["custom"]["knowledge"] for r in replies if "custom" in r)
    assert custom["url"] == "/help/gift-cards" and custom["title"] == "Gift cards"
    replies = await say(client, "kb1", _button(replies, "Yes"))
    assert "glad" in _text(replies).lower()
    engine = create_engine(sqlite_url)
    try:
        article = await articles.get_article(SqlUnitOfWork(create_session_factory(engine)),
                                             "gift-cards")
    finally:
        await engine.dispose()
    assert article.helpful_yes == 1 and article.helpful_no == 0


async def test_paraphrase_answered_with_the_link_in_chinese(client) -> None:
    replies = await say(client, "kb2", "礼品卡可以兑换成现金吗？")
    text = _text(replies)
    assert "不能兑换现金" in text and "/help/gift-cards-zh" in text
    assert "/help/gift-cards\n" not in text  # never the English article to a Chinese question
    assert _button(replies, "解决了")


async def test_no_goes_to_the_next_passage_then_a_person(client) -> None:
    replies = await say(client, "kb3", "can gift cards be used for any order at checkout?")
    assert "/help/gift-cards" in _text(replies)
    for _ in range(4):
        replies = await say(client, "kb3", _button(replies, "No"))
        if "ticket T-" in _text(replies):
            break
    assert "ticket T-" in _text(replies)


async def test_unknown_question_is_refused_with_a_person_offered(client) -> None:
    replies = await say(client, "kb4", "what is the boiling point of mercury on mars?")
    text = _text(replies)
    assert "/help/" not in text and "don't know" in text
    assert _button(replies, "person") == "/human_handoff"


async def test_a_new_article_is_answered_within_seconds(client, sqlite_url: str) -> None:
    await _publish(sqlite_url, [articles.NewArticle(
        title="Pets in the showroom", category="stores", language=ArticleLanguage.EN,
        status=ArticleStatus.PUBLISHED, slug="pets-showroom",
        body="Dogs on a leash are welcome in all our showrooms; cats must stay in a carrier.")])
    base = client.server.app[keys.KNOWLEDGE]
    for _ in range(100):  # the poller runs every 2 s
        if any(p.slug == "pets-showroom" for p in base.index.passages_):
            break
        await asyncio.sleep(0.1)
    text = _text(await say(client, "kb5", "may I bring my dog into your showroom?"))
    assert "/help/pets-showroom" in text and "leash" in text
