"""Retrieval on a tiny index: passages, Chinese and English terms, ranking, the threshold,
languages kept apart, fit before search."""

from __future__ import annotations

import pytest

from bot.knowledge.answers import AnswerConfig, confident_hits
from bot.knowledge.index import HybridConfig, KnowledgeIndex, NotFittedError
from bot.knowledge.passages import ArticleDoc, split_article
from bot.knowledge.tokens import tokenize

DOCS = [
    ArticleDoc("canada", "Shipping to Canada", "# Canada\n\nWe ship to Canada in 5-8 business "
               "days for CA$15.\n\n## Customs\n\nDuties are collected by the carrier.",
               "shipping", "en"),
    ArticleDoc("payments", "Payment methods", "We accept Visa, Mastercard and PayPal. Cards "
               "are charged when the order ships.", "billing", "en"),
    ArticleDoc("returns-zh", "退货政策", "收到商品三十天内可以申请退货，退款五到七个工作日到账。",
               "returns", "zh"),
]


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex().fit(DOCS)


def test_articles_become_sections_with_their_headings() -> None:
    passages = split_article(DOCS[0])
    assert [p.heading for p in passages] == ["Canada", "Customs"]
    assert passages[1].text == "Duties are collected by the carrier."


def test_terms_are_stemmed_and_segmented() -> None:
    assert tokenize("Shipping to CANADA?") == ["ship", "canada"]
    zh = tokenize("我想申请退货")
    assert "退货" in zh and "我" not in zh


def test_the_right_passage_ranks_first(index: KnowledgeIndex) -> None:
    hits = index.search("how long does shipping to canada take", "en")
    assert (hits[0].passage.slug, hits[0].passage.heading) == ("canada", "Canada")
    assert index.search("do you take paypal?", "en")[0].passage.slug == "payments"
    assert index.search("多少天内可以退货", "zh")[0].passage.slug == "returns-zh"


def test_languages_are_kept_apart(index: KnowledgeIndex) -> None:
    assert {h.passage.language for h in index.search("退货 canada", "zh")} == {"zh"}


def test_below_the_threshold_it_does_not_know(index: KnowledgeIndex) -> None:
    assert confident_hits(index, "what is the capital of peru", "en") == []
    assert confident_hits(index, "do you ship to canada", "en")[0].passage.slug == "canada"
    strict = AnswerConfig(threshold=0.999)
    assert confident_hits(index, "do you ship to canada", "en", strict) == []


def test_the_modes_the_benchmark_compares() -> None:
    bm25 = KnowledgeIndex(HybridConfig(mode="bm25")).fit(DOCS)
    hit = bm25.search("paypal", "en")[0]
    assert hit.passage.slug == "payments" and hit.cosine == 0


def test_search_before_fit_and_empty_index() -> None:
    with pytest.raises(NotFittedError):
        KnowledgeIndex().search("x")
    assert KnowledgeIndex().fit([]).search("anything") == []
