"""Behavioural segments: k-means on scaled log-RFM plus service behaviour, with k chosen
by the best silhouette score over a range, each cluster described in words and figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_core.analytics.settings import SegmentationConfig

CLUSTER_FEATURES = ("recency_days", "frequency", "monetary", "tickets", "negative_messages")


@dataclass(frozen=True)
class ClusterResult:
    """Labels per customer, the chosen k, the silhouette of each k tried, descriptions."""

    labels: pd.Series
    k: int
    silhouettes: dict[int, float]
    descriptions: list[dict[str, Any]] = field(default_factory=list)


def _matrix(features: pd.DataFrame) -> np.ndarray:
    # Counts and money are heavy-tailed: log1p keeps a few whales from owning a cluster.
    return np.log1p(features[list(CLUSTER_FEATURES)].clip(lower=0).fillna(0).to_numpy(float))


def cluster_customers(features: pd.DataFrame, config: SegmentationConfig,
                      fit_sample: int = 50_000) -> ClusterResult:
    """Fit k-means for each k in [k_min, k_max] on (a sample of) the customers, keep the k
    with the highest silhouette (on at most ``silhouette_sample`` customers), label all."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(config.seed)
    X = StandardScaler().fit_transform(_matrix(features))
    fit_idx = rng.choice(len(X), size=min(len(X), fit_sample), replace=False)
    sil_idx = fit_idx[: min(len(fit_idx), config.silhouette_sample)]
    scores, models = {}, {}
    # One BLAS/OpenMP thread: on a shared small machine k-means threads mostly contend.
    with threadpool_limits(1):
        for k in range(config.k_min, min(config.k_max, len(fit_idx) - 1) + 1):
            km = KMeans(n_clusters=k, n_init=2, random_state=config.seed).fit(X[fit_idx])
            labels = km.predict(X[sil_idx])
            if len(set(labels)) < 2:
                continue
            scores[k] = float(silhouette_score(X[sil_idx], labels))
            models[k] = km
    if not scores:
        labels = pd.Series(0, index=features.index, name="cluster")
        return ClusterResult(labels, 1, {}, describe(features, labels))
    k = max(scores, key=scores.get)
    labels = pd.Series(_ordered(models[k].predict(X), features), index=features.index,
                       name="cluster")
    return ClusterResult(labels, k, scores, describe(features, labels))


def _ordered(labels: np.ndarray, features: pd.DataFrame) -> np.ndarray:
    # Number clusters by median spend, highest first, so cluster 0 is always the best.
    spend = pd.Series(features["monetary"].to_numpy()).groupby(labels).median()
    rank = {old: new for new, old in enumerate(spend.sort_values(ascending=False).index)}
    return np.vectorize(rank.get)(labels)


def _word(value: float, overall: float, high: str, low: str, typical: str) -> str:
    """``high``/``low`` at 1.5x above/below the overall median, "very ..." at 3x."""
    if overall <= 0:
        return high if value > 0 else typical
    ratio = value / overall
    if ratio >= 3:
        return f"very {high}"
    if ratio >= 1.5:
        return high
    if ratio <= 1 / 3:
        return f"very {low}"
    if ratio <= 1 / 1.5:
        return low
    return typical


def describe(features: pd.DataFrame, labels: pd.Series) -> list[dict[str, Any]]:
    """Per cluster: size, medians, revenue share, and a one-line description in words."""
    med = features.median()
    total = float(features["monetary"].sum()) or 1.0
    out = []
    for c, part in features.groupby(labels.to_numpy()):
        m = part.median()
        words = [
            _word(m["recency_days"], med["recency_days"], "lapsed", "recent", "mid-recency"),
            _word(m["frequency"], med["frequency"], "frequent", "rare", "average-frequency"),
            _word(m["monetary"], med["monetary"], "high-spend", "low-spend", "average-spend"),
        ]
        if part["tickets"].mean() >= 1.5 * max(features["tickets"].mean(), 1e-9):
            words.append("many tickets")
        out.append({
            "cluster": int(c), "customers": len(part), "share": round(len(part) / len(features), 4),
            "median_recency_days": float(m["recency_days"]),
            "median_frequency": float(m["frequency"]),
            "median_monetary": round(float(m["monetary"]), 2),
            "revenue_share": round(float(part["monetary"].sum()) / total, 4),
            "mean_tickets": round(float(part["tickets"].mean()), 3),
            "description": ", ".join(words) + " customers",
        })
    return out
