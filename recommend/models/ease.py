"""EASE (Steck, 2019): a closed-form item-item model, the default recommender.

``B = I - P / diag(P)`` with ``P = (X^T X + l2 I)^-1`` and a zero diagonal. Memory and time
grow with the number of products squared / cubed: training peaks at two float64 ``n x n``
matrices (``16 n^2`` bytes) and serving holds one float32 (``4 n^2``). Online Retail's
3,659 products: ~215 MB peak, 54 MB served, ~3.8 s of CPU; 15,000 products: ~3.6 GB peak,
0.9 GB served and ~70 times the CPU (minutes). Past ``max_items`` the model is
fitted on the ``max_items`` most bought products only (the long tail keeps a zero score);
``prune_top_k`` keeps only the k strongest weights per product as a sparse matrix, which
bounds serving memory to ``k n``. Catalogues far beyond that use ``kefu.itemknn.v1``,
which is sparse throughout (see README "Recommendations").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from recommend.models.base import Recommender, binarize


class EASE(Recommender):
    """Embarrassingly Shallow Autoencoder over who-bought-what.

    Parameters: ``l2`` the ridge penalty (chosen on a validation split, see ``kefu
    recommend tune``), ``max_items`` the catalogue size past which only the most bought
    products are modelled, ``prune_top_k`` keep only the k largest weights per product.
    """

    registry_name = "kefu.ease.v1"

    def __init__(self, l2: float = 50.0, max_items: int = 15000,
                 prune_top_k: int | None = None) -> None:
        self.l2 = l2
        self.max_items = max_items
        self.prune_top_k = prune_top_k

    def fit(self, X: sp.spmatrix, y: Any = None, *, groups: np.ndarray | None = None) -> EASE:
        """Solve the closed form on the (possibly truncated) catalogue; returns ``self``."""
        if self.l2 <= 0:
            raise ValueError("l2 must be positive")
        X = binarize(X)
        n_items = X.shape[1]
        counts = np.asarray(X.sum(axis=0)).ravel()
        if n_items > self.max_items:
            active = np.sort(np.argsort(-counts, kind="stable")[: self.max_items])
        else:
            active = np.arange(n_items)
        Xa = X[:, active] if len(active) < n_items else X
        gram = (Xa.T @ Xa).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.l2
        weights = np.linalg.inv(gram)
        del gram   # peak memory: two float64 n x n matrices, then one float32
        weights /= -np.diag(weights).copy()
        np.fill_diagonal(weights, 0.0)
        weights = weights.astype(np.float32)
        position = np.full(n_items, -1, dtype=np.int64)
        position[active] = np.arange(len(active))
        self.B_ = _prune(weights, self.prune_top_k) if self.prune_top_k else weights
        self.active_ = active
        self.position_ = position
        self.n_items_ = n_items
        return self

    def score(self, X: sp.spmatrix, *, groups: np.ndarray | None = None) -> np.ndarray:
        """``X B`` on the modelled products; unmodelled products score 0."""
        self.check_fitted()
        X = sp.csr_matrix(X, dtype=np.float32)
        if len(self.active_) == self.n_items_:
            return np.asarray(X @ self.B_, dtype=np.float32)
        Xa = X[:, self.active_]
        out = np.zeros((X.shape[0], self.n_items_), dtype=np.float32)
        out[:, self.active_] = np.asarray(Xa @ self.B_)
        return out

    def score_one(self, items: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Fast path for a single query: sum of the bought products' rows of ``B``."""
        self.check_fitted()
        pos = self.position_[items]
        keep = pos >= 0
        out = np.zeros(self.n_items_, dtype=np.float32)
        if keep.any():
            rows = self.B_[pos[keep]]
            rows = rows.toarray() if sp.issparse(rows) else rows
            out[self.active_] = weights[keep].astype(np.float32) @ rows
        return out

    def contributions(self, history: np.ndarray, weights: np.ndarray,
                      targets: np.ndarray) -> np.ndarray:
        """``w_i B[i, j]`` for each history product ``i`` and target ``j``."""
        self.check_fitted()
        rows, cols = self.position_[history], self.position_[targets]
        out = np.zeros((len(history), len(targets)), dtype=np.float32)
        r_ok, c_ok = rows >= 0, cols >= 0
        if r_ok.any() and c_ok.any():
            if sp.issparse(self.B_):
                block = self.B_[rows[r_ok]][:, cols[c_ok]].toarray()
            else:   # gather only the needed cells, not whole rows
                block = self.B_[np.ix_(rows[r_ok], cols[c_ok])]
            out[np.ix_(r_ok, c_ok)] = weights[r_ok, None] * block
        return out


def _prune(weights: np.ndarray, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest weights in each row (sparse), dropping the rest."""
    k = min(k, weights.shape[1])
    cols = np.argpartition(-weights, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(weights.shape[0]), k)
    values = np.take_along_axis(weights, cols, axis=1).ravel()
    pruned = sp.csr_matrix((values, (rows, cols.ravel())), shape=weights.shape)
    pruned.eliminate_zeros()
    return pruned
