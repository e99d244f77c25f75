"""Out-of-scope score of a message from class-agnostic evidence, combined by a learned model.

Features of one message (all "how familiar is this message", none tied to an intent):

- ``msp``: the intent model's top calibrated confidence (maximum softmax probability);
- ``knn``: cosine similarity to the nearest training example (sentence embeddings);
- ``knn_top``: the same, only among the examples of the predicted intent.

A logistic regression on these features is fitted on calibration rows: in-scope messages
the model did not train on, and as out of scope the messages of intents held out of
training plus a shipped set of generic other-domain text, so the combiner learns what
unseen intents and other domains look like, not the known intents.

(A fourth feature, similarity to the generic text itself, was tried and dropped: the
combiner learned to lean on it from the generic sentences' likeness to one another, and it
moved every score at parse time, where the whole set is the reference.)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ("msp", "knn", "knn_top")
Vectors = np.ndarray | sp.csr_matrix


def unit_rows(vectors: Vectors) -> Vectors:
    """Rows scaled to unit L2 norm (zero rows stay zero), dense float32 or sparse CSR."""
    if sp.issparse(vectors):
        norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1))).ravel()
        return sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ vectors)
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def similarities(queries: Vectors, reference: Vectors) -> np.ndarray:
    """Cosine similarities, shape ``(n_queries, n_reference)``, of unit rows."""
    if reference.shape[0] == 0:
        return np.zeros((queries.shape[0], 0), dtype=np.float32)
    product = queries @ reference.T
    return np.asarray(product.todense() if sp.issparse(product) else product, dtype=np.float32)


def feature_matrix(msp: np.ndarray, predicted: np.ndarray, queries: Vectors,
                   reference: Vectors, reference_labels: np.ndarray) -> np.ndarray:
    """The ``FEATURES`` columns for messages with top confidence ``msp`` and top intent
    ``predicted``; ``queries`` and ``reference`` are unit rows."""
    sims = similarities(queries, reference)
    n = len(msp)
    if not sims.shape[1]:
        return np.column_stack([np.asarray(msp, dtype=np.float64), np.zeros((n, 2))])
    knn = sims.max(axis=1)
    same = reference_labels[None, :] == np.asarray(predicted)[:, None]
    knn_top = np.where(same, sims, -1.0).max(axis=1)
    knn_top = np.where(knn_top < -0.5, knn, knn_top)  # predicted intent has no reference
    return np.column_stack([np.asarray(msp, dtype=np.float64), knn, knn_top])


class OutOfScopeScorer:
    """Scores in [0, 1] (higher = more likely out of scope) from ``feature_matrix`` rows."""

    def __init__(self, C: float = 1.0) -> None:  # noqa: N803 - sklearn's name
        self.C = C

    def fit(self, features: np.ndarray, is_oos: np.ndarray) -> OutOfScopeScorer:
        """Learn the combination; needs both in-scope and out-of-scope rows."""
        is_oos = np.asarray(is_oos, dtype=bool)
        if is_oos.all() or not is_oos.any():
            raise ValueError("the scorer needs in-scope and out-of-scope calibration rows")
        self.model_ = make_pipeline(
            StandardScaler(), LogisticRegression(C=self.C, class_weight="balanced"))
        self.model_.fit(features, is_oos)
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        """P(out of scope) for each row."""
        if not hasattr(self, "model_"):
            raise NotFittedError("OutOfScopeScorer is not fitted")
        return self.model_.predict_proba(features)[:, 1]

    def weights(self) -> dict[str, float]:
        """Standardised coefficients per feature (for the model's metadata)."""
        coef = self.model_[-1].coef_[0]
        return {name: round(float(w), 3) for name, w in zip(FEATURES, coef, strict=True)}
