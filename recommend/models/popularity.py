"""Popularity: what most customers bought, overall or within a group (country, segment).

The cold-start model: it needs no history, only the customer's group (a country, or a
segment label such as ``segment:vip``; several kinds may be given). Scores are the
share of the group's customers who bought each product, plus a small share of the overall
figure so that small groups still rank sensibly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from recommend.models.base import Recommender, binarize


class Popularity(Recommender):
    """Most-bought products, per group when groups are given.

    Parameters: ``prior`` weight of the overall popularity added to a group's own
    (a group with fewer customers than ``min_group`` uses the overall ranking only).
    """

    registry_name = "kefu.popularity.v1"

    def __init__(self, prior: float = 0.1, min_group: int = 5) -> None:
        self.prior = prior
        self.min_group = min_group

    def fit(self, X: sp.spmatrix, y: Any = None, *, groups: np.ndarray | None = None) -> Popularity:
        """Count buyers per product overall and per group; returns ``self``."""
        X = binarize(X)
        n_users = max(X.shape[0], 1)
        self.share_ = (np.asarray(X.sum(axis=0)).ravel() / n_users).astype(np.float32)
        names: list[str] = []
        shares: list[np.ndarray] = []
        if groups is not None:
            groups = np.asarray(groups).astype(str)
            if len(groups) != X.shape[0]:
                raise ValueError("groups must have one entry per row of X")
            # A 2-D array holds several kinds of label per row (country, "segment:vip").
            for column in groups.reshape(len(groups), -1).T:
                for name in np.unique(column):
                    rows = np.flatnonzero(column == name)
                    if name and len(rows) >= self.min_group:
                        names.append(str(name))
                        shares.append(np.asarray(X[rows].sum(axis=0)).ravel() / len(rows))
        self.group_names_ = np.array(names, dtype=str)
        self.group_share_ = (
            np.vstack(shares).astype(np.float32) if shares
            else np.zeros((0, X.shape[1]), dtype=np.float32)
        )
        self.n_items_ = X.shape[1]
        return self

    def group_scores(self, group: str | None) -> np.ndarray:
        """Scores for one group (overall when the group is unknown or too small)."""
        self.check_fitted()
        if group is not None:
            hit = np.flatnonzero(self.group_names_ == group)
            if len(hit):
                return self.group_share_[hit[0]] + self.prior * self.share_
        return self.share_.copy()

    def knows_group(self, group: str | None) -> bool:
        """True when ``group`` has its own ranking."""
        self.check_fitted()
        return group is not None and bool(np.any(self.group_names_ == group))

    def score(self, X: sp.spmatrix, *, groups: np.ndarray | None = None) -> np.ndarray:
        """The same ranking for every row (per row's group when groups are given)."""
        self.check_fitted()
        n = X.shape[0]
        if groups is None:
            return np.tile(self.share_, (n, 1))
        return np.vstack([self.group_scores(str(g)) for g in groups]) if n else np.zeros(
            (0, self.n_items_), dtype=np.float32)

    def score_one(self, items: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Overall popularity (history does not change it)."""
        return self.group_scores(None)

    def similar_items(self, item: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Popularity knows no similarity: the overall bestsellers."""
        from recommend.models.base import top_k

        scores = self.group_scores(None)
        scores[item] = -np.inf
        return top_k(scores, k)
