"""Turning a customer's purchases into the weighted query vector a model scores.

Training uses who-bought-what (0/1). Queries weight each bought product by how recently
the customer bought it, relative to their own last purchase: ``0.5 ** (age_days /
half_life_days)``. What someone bought last predicts what they buy next much better than
what they bought a year ago (on Online Retail HR@10 rises from 0.19 to ~0.23, chosen on a
validation split: see BENCHMARKS.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommend.data import PurchaseLog

DEFAULT_HALF_LIFE_DAYS = 7.0


def recency_weights(ages_days: np.ndarray, half_life_days: float | None) -> np.ndarray:
    """``0.5 ** (age / half_life)``; all ones when ``half_life_days`` is None."""
    ages = np.asarray(ages_days, dtype=np.float64)
    if half_life_days is None:
        return np.ones_like(ages, dtype=np.float32)
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    return np.power(0.5, np.maximum(ages, 0.0) / half_life_days).astype(np.float32)


def query_matrix(
    log: PurchaseLog, customers: np.ndarray, products: np.ndarray,
    half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS,
) -> sp.csr_matrix:
    """Customers x products query weights: each product weighted by its latest purchase."""
    frame = log.frame
    latest = frame.drop_duplicates(["customer", "product"], keep="last")
    last_time = latest.groupby("customer")["time"].transform("max")
    ages = (last_time - latest["time"]).dt.total_seconds().to_numpy() / 86400.0
    rows = pd.Categorical(latest["customer"], categories=customers).codes
    cols = pd.Categorical(latest["product"], categories=products).codes
    ok = (rows >= 0) & (cols >= 0)
    weights = recency_weights(ages[ok], half_life_days)
    return sp.csr_matrix((weights, (rows[ok], cols[ok])), shape=(len(customers), len(products)))
