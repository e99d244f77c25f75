"""Fast, synchronous ranking over a loaded artifact: exclusions and explanations.

A :class:`Ranker` wraps one :class:`~recommend.artifact.Artifact`; the service swaps
whole rankers, so a request always sees one consistent model. Catalogue facts (in stock,
re-buyable, names) arrive as a :class:`Catalogue` and are turned into boolean masks once
per catalogue snapshot, which keeps each request to a few vector operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import scipy.sparse as sp

from recommend.artifact import Artifact
from recommend.feedback import recency_weights
from recommend.models.base import top_k
from recommend.models.popularity import Popularity

# Most recent distinct products of a customer that feed one request.
MAX_HISTORY = 200


@dataclass(frozen=True)
class CatalogueItem:
    """What serving needs to know about one product."""

    product_id: int | str
    name: str
    in_stock: bool = True
    rebuyable: bool = False


@dataclass(frozen=True)
class Catalogue:
    """A snapshot of the sellable catalogue, keyed by ``str(product_id)``."""

    items: dict[str, CatalogueItem] = field(default_factory=dict)

    @classmethod
    def of(cls, items: list[CatalogueItem]) -> Catalogue:
        """Build from a list of items."""
        return cls({str(item.product_id): item for item in items})


@dataclass(frozen=True)
class CustomerHistory:
    """A customer's purchases (product ids with purchase times) and their country."""

    customer_id: int | str
    product_ids: list[str]
    times: list[datetime] | np.ndarray   # datetimes, or a datetime64 array
    country: str | None = None
    segment: str | None = None          # e.g. the CRM's customer tier


@dataclass(frozen=True)
class Recommendation:
    """One recommended product with the reason shown to the customer or agent."""

    product_id: int | str
    name: str
    score: float
    explanation: str
    reason: str                         # history | basket | similar | popular
    because_of: int | str | None = None  # the product that explains it, when there is one


@dataclass(frozen=True)
class _Masks:
    available: np.ndarray   # sellable now: known to the catalogue, in stock
    rebuyable: np.ndarray
    names: list[str]
    ids: list[int | str]


class Ranker:
    """Recommendations from one artifact; thread-safe (read-only after construction)."""

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self.products = artifact.products
        self.index = {str(p): i for i, p in enumerate(self.products)}
        # (catalogue snapshot, its masks): kept with the snapshot itself so identity holds.
        self._masks_for: tuple[Catalogue | None, _Masks] | None = None

    @property
    def n_products(self) -> int:
        """Number of products the models know."""
        return len(self.products)

    def masks(self, catalogue: Catalogue | None) -> _Masks:
        """Availability masks for a catalogue snapshot (cached per snapshot)."""
        cached = self._masks_for
        if cached is not None and cached[0] is catalogue:
            return cached[1]
        n = self.n_products
        if catalogue is None:
            masks = _Masks(np.ones(n, bool), np.zeros(n, bool),
                           [str(p) for p in self.products], list(self.products))
        else:
            items = [catalogue.items.get(str(p)) for p in self.products]
            masks = _Masks(
                available=np.array([i is not None and i.in_stock for i in items], bool),
                rebuyable=np.array([i is not None and i.rebuyable for i in items], bool),
                names=[i.name if i else str(p) for i, p in zip(items, self.products, strict=True)],
                ids=[i.product_id if i else p for i, p in zip(items, self.products, strict=True)],
            )
        self._masks_for = (catalogue, masks)
        return masks

    def _score(self, items: np.ndarray, weights: np.ndarray) -> np.ndarray:
        model = self.artifact.model
        if hasattr(model, "score_one"):
            return np.array(model.score_one(items, weights), dtype=np.float64)
        row = sp.csr_matrix((weights, (np.zeros(len(items), int), items)),
                            shape=(1, self.n_products))
        return model.score(row)[0].astype(np.float64)

    def for_history(self, history: CustomerHistory, catalogue: Catalogue | None,
                    k: int) -> list[Recommendation]:
        """Top ``k`` for a customer: their history through the model, then popularity."""
        masks = self.masks(catalogue)
        bought_items, items, ages = self._latest(history)
        bought = np.zeros(self.n_products, bool)
        bought[bought_items] = True
        allowed = masks.available & ~(bought & ~masks.rebuyable)
        picked: list[Recommendation] = []
        if len(items) and not isinstance(self.artifact.model, Popularity):
            weights = recency_weights(ages, self.artifact.meta.half_life_days)
            scores = self._score(items, weights)
            picked = self._explained(scores, allowed, items, weights, masks, k,
                                     "history", "because you bought {}")
        return picked + self._popular(history, allowed, masks, k, picked)

    def for_basket(self, product_ids: list[str], catalogue: Catalogue | None, k: int,
                   history: CustomerHistory | None = None) -> list[Recommendation]:
        """Top ``k`` to go with a basket (excluding the basket and, if given, past buys)."""
        masks = self.masks(catalogue)
        items = np.array(sorted({self.index[p] for p in product_ids if p in self.index}),
                         dtype=np.int64)
        allowed = masks.available.copy()
        allowed[items] = False
        if history is not None:
            past = [self.index[p] for p in history.product_ids if p in self.index]
            allowed[past] &= masks.rebuyable[past]
        picked: list[Recommendation] = []
        if len(items) and not isinstance(self.artifact.model, Popularity):
            weights = np.ones(len(items), dtype=np.float32)
            scores = self._score(items, weights)
            picked = self._explained(scores, allowed, items, weights, masks, k,
                                     "basket", "goes well with {} in your basket")
        return picked + self._popular(history, allowed, masks, k, picked)

    def similar_to(self, product_id: str, catalogue: Catalogue | None,
                   k: int) -> list[Recommendation]:
        """Products bought by the same customers as ``product_id`` ("also bought")."""
        masks = self.masks(catalogue)
        allowed = masks.available.copy()
        item = self.index.get(product_id)
        if item is not None:
            allowed[item] = False
        if item is None or isinstance(self.artifact.model, Popularity):
            return self._popular(None, allowed, masks, k, [])
        items = np.array([item])
        weights = np.ones(1, dtype=np.float32)
        scores = self._score(items, weights)
        picked = self._explained(scores, allowed, items, weights, masks, k, "similar",
                                 "customers who bought {} also bought this")
        return picked + self._popular(None, allowed, masks, k, picked)

    # -- helpers -----------------------------------------------------------------------
    def _latest(self, history: CustomerHistory,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All distinct known products bought; the (at most MAX_HISTORY) most recent of
        them with the age in days of each one's latest purchase, relative to the
        customer's latest purchase."""
        index = self.index
        cols = np.fromiter((index.get(p, -1) for p in history.product_ids), dtype=np.int64,
                           count=len(history.product_ids))
        if not len(cols):
            return cols, cols, np.empty(0)
        times = _seconds(history.times)
        newest = times.max()
        known = cols >= 0
        cols, times = cols[known], times[known]
        order = np.argsort(-times, kind="stable")
        cols, first = np.unique(cols[order], return_index=True)
        ages = (newest - times[order][first]) / 86_400.0
        everything = cols
        if len(cols) > MAX_HISTORY:
            # Bounds the work per request for the heaviest buyers; with a 7-day half-life
            # the products left out weigh almost nothing.
            recent = np.sort(np.argsort(ages, kind="stable")[:MAX_HISTORY])
            cols, ages = cols[recent], ages[recent]
        return everything, cols, ages

    def _explained(self, scores: np.ndarray, allowed: np.ndarray, items: np.ndarray,
                   weights: np.ndarray, masks: _Masks, k: int, reason: str,
                   template: str) -> list[Recommendation]:
        scores = np.where(allowed & (scores > 0), scores, -np.inf)
        top, values = top_k(scores, k)
        if not len(top):
            return []
        parts = self.artifact.model.contributions(items, weights, top)
        best = np.argmax(parts, axis=0)
        out = []
        for col, (j, value) in enumerate(zip(top, values, strict=True)):
            row = int(best[col]) if parts[best[col], col] > 0 else 0
            cause = int(items[row])
            out.append(Recommendation(
                product_id=masks.ids[j], name=masks.names[j], score=float(value),
                explanation=template.format(masks.names[cause]), reason=reason,
                because_of=masks.ids[cause],
            ))
        return out

    def _popular(self, history: CustomerHistory | None, allowed: np.ndarray, masks: _Masks,
                 k: int, picked: list[Recommendation]) -> list[Recommendation]:
        """Fill the remaining slots with bestsellers of the customer's country, else of
        their segment, else overall."""
        missing = k - len(picked)
        if missing <= 0:
            return []
        popularity = self.artifact.popularity
        group, text = None, "one of our bestsellers"
        if history is not None and popularity.knows_group(history.country):
            group, text = history.country, f"popular in {history.country}"
        elif history is not None and popularity.knows_group(f"segment:{history.segment}"):
            group, text = f"segment:{history.segment}", f"popular with {history.segment} customers"
        scores = popularity.group_scores(group).astype(np.float64)
        keep = allowed & (scores > 0)
        keep[[self.index[str(r.product_id)] for r in picked]] = False
        top, values = top_k(np.where(keep, scores, -np.inf), missing)
        return [Recommendation(product_id=masks.ids[j], name=masks.names[j],
                               score=float(v), explanation=text, reason="popular")
                for j, v in zip(top, values, strict=True)]

def _seconds(times: list[datetime] | np.ndarray) -> np.ndarray:
    """Purchase times as float seconds (aware or naive datetimes, or datetime64)."""
    if isinstance(times, np.ndarray) and np.issubdtype(times.dtype, np.datetime64):
        return times.astype("datetime64[ms]").astype(np.int64) / 1000.0
    return np.fromiter((t.timestamp() for t in times), dtype=np.float64, count=len(times))
