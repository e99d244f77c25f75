"""Item-kNN: cosine similarity between products over who bought them, top-k pruned.

Sparse throughout (memory ~ ``neighbours x products``), so this is also the path for
catalogues too large for EASE's dense ``products^2`` matrix. Its weights are non-negative
similarities, which makes "because you bought X" explanations read naturally.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from recommend.models.base import Recommender, binarize

_BLOCK = 512


class ItemKNN(Recommender):
    """Cosine item-item neighbourhood model.

    Parameters: ``neighbours`` how many most similar products each candidate product
    keeps; ``shrinkage`` damps similarities resting on few common customers
    (``sim = cos(a, b) * co / (co + shrinkage)``). Defaults chosen on a validation split.
    """

    registry_name = "kefu.itemknn.v1"

    def __init__(self, neighbours: int = 10, shrinkage: float = 0.0) -> None:
        self.neighbours = neighbours
        self.shrinkage = shrinkage

    def fit(self, X: sp.spmatrix, y: Any = None, *, groups: np.ndarray | None = None) -> ItemKNN:
        """Compute cosine similarities, keeping each product's top neighbours; returns self."""
        if self.neighbours < 1:
            raise ValueError("neighbours must be >= 1")
        X = binarize(X)
        n_items = X.shape[1]
        co = sp.csc_matrix(X.T @ X, dtype=np.float32)
        norms = np.sqrt(co.diagonal()).astype(np.float32)
        norms[norms == 0] = 1.0
        k = min(self.neighbours, max(n_items - 1, 1))
        rows, cols, values = [], [], []
        # Column blocks bound memory to n_items x block while staying vectorised.
        for start in range(0, n_items, _BLOCK):
            block = np.arange(start, min(start + _BLOCK, n_items))
            counts = co[:, block].toarray()
            sim = counts / norms[:, None] / norms[block][None, :]
            if self.shrinkage > 0:
                sim = sim * counts / (counts + self.shrinkage)
            sim[block, np.arange(len(block))] = 0.0
            top = np.argpartition(-sim, k - 1, axis=0)[:k]
            picked = np.take_along_axis(sim, top, axis=0)
            keep = picked > 0
            rows.append(top[keep])
            cols.append(np.broadcast_to(block, top.shape)[keep])
            values.append(picked[keep])
        # S_[i, j]: how much having bought i suggests j (j keeps its k nearest i's).
        self.S_ = sp.csr_matrix(
            (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_items, n_items), dtype=np.float32,
        )
        self.n_items_ = n_items
        return self

    def score(self, X: sp.spmatrix, *, groups: np.ndarray | None = None) -> np.ndarray:
        """Weighted sum of the bought products' neighbour rows."""
        self.check_fitted()
        X = sp.csr_matrix(X, dtype=np.float32)
        return np.asarray((X @ self.S_).toarray(), dtype=np.float32)

    def score_one(self, items: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Fast path for a single query."""
        self.check_fitted()
        rows = self.S_[items]
        return np.asarray(rows.T @ weights.astype(np.float32), dtype=np.float32).ravel()

    def contributions(self, history: np.ndarray, weights: np.ndarray,
                      targets: np.ndarray) -> np.ndarray:
        """``w_i sim(i, j)`` for each history product ``i`` and target ``j``."""
        self.check_fitted()
        block = self.S_[history][:, targets].toarray()
        return weights[:, None] * block
