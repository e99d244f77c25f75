"""The one interface every recommender follows (the scikit-learn estimator contract).

``__init__`` stores hyper-parameters only; ``fit(X)`` learns from a customers x products
matrix of implicit feedback and returns ``self``; learned state ends in ``_``; ``score``
before ``fit`` raises :class:`NotFittedError`. Scoring takes query rows (weighted purchase
vectors, e.g. recency-weighted histories or a basket) and returns one score per product.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp


class NotFittedError(ValueError, AttributeError):
    """A model was used before ``fit``; carries the model name (as scikit-learn's does)."""

    def __init__(self, model: str) -> None:
        super().__init__(f"{model} is not fitted yet: call fit() or load a trained artifact")
        self.model = model


class Recommender:
    """Base class: hyper-parameter handling, the fitted check and state export."""

    registry_name: ClassVar[str] = ""

    # -- hyper-parameters (scikit-learn style: the __init__ signature is the list) ----------
    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p for p in signature.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """Hyper-parameters as given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Recommender:
        """Change hyper-parameters (unknown names are an error); returns ``self``."""
        allowed = set(self._param_names())
        for name, value in params.items():
            if name not in allowed:
                raise ValueError(f"{type(self).__name__} has no hyper-parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- fitted state ----------------------------------------------------------------------
    def _learned(self) -> list[str]:
        return [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]

    def check_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless ``fit`` ran (or state was loaded)."""
        if not self._learned():
            raise NotFittedError(self.registry_name or type(self).__name__)

    def state(self) -> dict[str, np.ndarray | sp.spmatrix]:
        """Learned state (every attribute ending in ``_``), for saving."""
        self.check_fitted()
        return {k: getattr(self, k) for k in self._learned()}

    def load_state(self, state: dict[str, Any]) -> Recommender:
        """Restore learned state saved by :meth:`state`; returns ``self``."""
        for key, value in state.items():
            if not key.endswith("_"):
                raise ValueError(f"not a learned attribute: {key!r}")
            setattr(self, key, value)
        return self

    # -- the interface ---------------------------------------------------------------------
    def fit(self, X: sp.spmatrix, y: Any = None, *, groups: np.ndarray | None = None) -> Recommender:
        """Learn from implicit feedback ``X`` (customers x products); returns ``self``."""
        raise NotImplementedError

    def score(self, X: sp.spmatrix, *, groups: np.ndarray | None = None) -> np.ndarray:
        """Dense scores (rows x products) for weighted query rows ``X``."""
        raise NotImplementedError

    def contributions(self, history: np.ndarray, weights: np.ndarray,
                      targets: np.ndarray) -> np.ndarray:
        """How much each history product adds to each target's score (for explanations):
        an array (len(history), len(targets)). Models without item-item structure give 0."""
        return np.zeros((len(history), len(targets)), dtype=np.float32)

    def similar_items(self, item: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to ``k`` products most related to ``item`` (indices, scores), best first."""
        self.check_fitted()
        query = sp.csr_matrix(
            (np.ones(1, dtype=np.float32), ([0], [item])), shape=(1, self.n_items_)
        )
        scores = self.score(query)[0]
        scores[item] = -np.inf
        return top_k(scores, k)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``k`` largest finite scores, best first."""
    finite = np.isfinite(scores)
    k = int(min(k, finite.sum()))
    if k <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=scores.dtype)
    candidates = np.argpartition(-np.where(finite, scores, -np.inf), k - 1)[:k]
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    return order, scores[order]


def binarize(X: sp.spmatrix) -> sp.csr_matrix:
    """A 0/1 float32 copy of ``X`` (bought or not)."""
    X = sp.csr_matrix(X, dtype=np.float32, copy=True)
    X.eliminate_zeros()
    X.data[:] = 1.0
    return X
