"""The hybrid retrieval index: BM25 (bm25s) over jieba/Snowball terms plus MiniLM
sentence embeddings, fused per passage into one score in [0, 1].

Fusion (chosen by measurement, BENCHMARKS.md "Knowledge base"): a weighted sum of the
cosine similarity and the BM25 score as a share of a full match (``_bm25_scores``). Both
parts are absolute (they do not depend on the other candidates), so the fused score can
be held to one calibrated threshold: below it the bot says it does not know.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np

from bot.knowledge.passages import ArticleDoc, Passage, split_article
from bot.knowledge.tokens import tokenize

Embedder = Callable[[list[str]], np.ndarray]
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG


def minilm(texts: list[str]) -> np.ndarray:
    """The all-MiniLM-L6-v2 vectors kefu's NLU already ships (L2-normalised, cached)."""
    from bot.nlu.embeddings import sentence_embeddings

    return sentence_embeddings("minilm", texts)


class NotFittedError(ValueError, AttributeError):
    """``search`` before ``fit``."""


@dataclass(frozen=True)
class HybridConfig:
    """Weights of the fusion, per language (MiniLM knows English far better than
    Chinese, so Chinese leans on BM25), and which retrievers take part."""

    weight_embedding: dict[str, float] = field(
        default_factory=lambda: {"en": 0.1, "zh": 0.2})
    mode: str = "hybrid"  # "hybrid" | "bm25" | "embeddings" (for the benchmark)


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage with its fused score and the two parts."""

    passage: Passage
    score: float
    bm25: float
    cosine: float


class KnowledgeIndex:
    """``fit(articles)`` then ``search(query)``; scikit-learn style (state ends in ``_``)."""

    def __init__(self, config: HybridConfig | None = None,
                 embedder: Embedder | None = None) -> None:
        self.config = config or HybridConfig()
        self.embedder = embedder

    def fit(self, articles: Sequence[ArticleDoc]) -> KnowledgeIndex:
        """Cut the articles into passages and index them."""
        passages = [p for doc in articles for p in split_article(doc)]
        self.passages_ = passages
        self.languages_ = np.array([p.language for p in passages])
        self.bm25_ = bm25s.BM25()
        corpus = [tokenize(p.indexed_text) or ["\u2205"] for p in passages]
        if passages:
            self.bm25_.index(corpus, show_progress=False)
        self.df_ = Counter(t for terms in corpus for t in set(terms))
        self.vectors_ = (self._embed([p.indexed_text for p in passages]) if passages
                         else np.zeros((0, 1), dtype=np.float32))
        return self

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.config.mode == "bm25":
            return np.zeros((len(texts), 1), dtype=np.float32)
        return (self.embedder or minilm)(texts)

    def search(self, query: str, language: str | None = None, k: int = 5) -> list[Hit]:
        """The ``k`` best passages for ``query`` (only ``language``'s when given)."""
        if not hasattr(self, "passages_"):
            raise NotFittedError("fit the index before searching it")
        if not self.passages_ or not query.strip():
            return []
        bm25 = self._bm25_scores(query)
        cosine = (self.vectors_ @ self._query_vector(query)).astype(np.float32)
        weight = self._weight(language)
        fused = weight * np.clip(cosine, 0, 1) + (1 - weight) * bm25
        if language is not None:
            fused = np.where(self.languages_ == language, fused, -1.0)
        if k < len(fused):  # a partial sort: only the k best need ordering
            best = np.argpartition(-fused, k)[:k]
            top = best[np.argsort(-fused[best], kind="stable")]
        else:
            top = np.argsort(-fused, kind="stable")
        return [Hit(self.passages_[i], float(fused[i]), float(bm25[i]), float(cosine[i]))
                for i in top if fused[i] >= 0]

    def _query_vector(self, query: str) -> np.ndarray:
        """The query's embedding; a long message is the mean of its sentences' vectors
        (MiniLM reads 128 tokens, and a story's first lines are rarely its question:
        measured on tau2-bench, success@1 of embeddings alone 0.11 -> 0.28)."""
        if self.config.mode == "bm25":
            return np.zeros(1, dtype=np.float32)
        sentences = [s for s in _SENTENCE.split(query) if s.strip()]
        if len(sentences) <= 2:
            return self._embed([query])[0]
        mean = self._embed(sentences).mean(axis=0)
        return mean / (np.linalg.norm(mean) or 1.0)

    def _weight(self, language: str | None) -> float:
        if self.config.mode == "bm25":
            return 0.0
        if self.config.mode == "embeddings":
            return 1.0
        weights = self.config.weight_embedding
        return weights.get(language or "en", weights.get("en", 0.5))

    def _bm25_scores(self, query: str) -> np.ndarray:
        """BM25 over the query's known terms, as a share of what a passage holding every
        query term once would score: unknown words count against the match, so the value
        means the same on ten articles as on ten thousand."""
        zeros = np.zeros(len(self.passages_), dtype=np.float32)
        if self.config.mode == "embeddings":
            return zeros
        terms = tokenize(query)
        known = [t for t in terms if t in self.bm25_.vocab_dict]
        if not known:
            return zeros
        n = len(self.passages_)
        idf = [math.log(1 + (n - self.df_.get(t, 0) + 0.5) / (self.df_.get(t, 0) + 0.5))
               for t in terms]
        reference = sum(idf) / (1 + self.bm25_.k1)
        return np.minimum(self.bm25_.get_scores(known) / reference, 1.0).astype(np.float32)
