"""RFM: recency, frequency, monetary per customer, quintile scores, named segments.

Scores are 1..5 (5 = best): ``1 + floor(5 * share of customers strictly worse)``, so
customers with equal values always get the same score and the result does not depend on
row order (``qcut`` on ranks would split ties arbitrarily).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_core.analytics.settings import SegmentRule

NO_ORDERS = "no_orders"
OTHER = "other"
DAY = pd.Timedelta(days=1)


def rfm_table(orders: pd.DataFrame, as_of: pd.Timestamp,
              customer_ids: np.ndarray | None = None) -> pd.DataFrame:
    """Per customer (index ``customer_id``): ``recency_days`` (whole days since the last
    order, NaN without orders), ``frequency`` (orders), ``monetary`` (total spend),
    ``tenure_days`` (since the first order). Only orders placed at or before ``as_of``
    count. With ``customer_ids``, customers without orders get a row too."""
    seen = orders[orders["placed_at"] <= as_of]
    grouped = seen.groupby("customer_id")
    table = pd.DataFrame({
        "last": grouped["placed_at"].max(), "first": grouped["placed_at"].min(),
        "frequency": grouped.size(), "monetary": grouped["total"].sum(),
    })
    table["recency_days"] = ((as_of - table["last"]) // DAY).astype(float)
    table["tenure_days"] = ((as_of - table["first"]) // DAY).astype(float)
    table = table.drop(columns=["last", "first"])
    if customer_ids is not None:
        table = table.reindex(pd.Index(np.asarray(customer_ids), name="customer_id"))
        table["frequency"] = table["frequency"].fillna(0)
        table["monetary"] = table["monetary"].fillna(0.0)
    table.index.name = "customer_id"
    table["frequency"] = table["frequency"].astype(np.int64)
    return table[["recency_days", "frequency", "monetary", "tenure_days"]]


def quintile_scores(values: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1..5: one plus five times the share of values strictly worse, floored."""
    v = np.asarray(values, dtype=float)
    if not higher_is_better:
        v = -v
    if v.size == 0:
        return np.zeros(0, dtype=np.int64)
    worse = np.searchsorted(np.sort(v), v, side="left")
    return (1 + (5 * worse) // v.size).astype(np.int64)


def score_rfm(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` plus ``r_score``, ``f_score``, ``m_score`` for customers with orders
    (scored among themselves); customers without orders keep NaN scores."""
    out = table.copy()
    buyers = out["frequency"] > 0
    for col, source, better in (("r_score", "recency_days", False),
                                ("f_score", "frequency", True),
                                ("m_score", "monetary", True)):
        out[col] = pd.Series(pd.NA, index=out.index, dtype="Int64")
        out.loc[buyers, col] = quintile_scores(out.loc[buyers, source].to_numpy(), better)
    return out


def assign_segments(scored: pd.DataFrame, rules: Sequence[SegmentRule]) -> pd.Series:
    """The first matching rule's name per customer; ``no_orders`` without scores,
    ``other`` when no rule matches."""
    segment = pd.Series(OTHER, index=scored.index, dtype=object)
    has = scored["r_score"].notna().to_numpy()
    segment[~has] = NO_ORDERS
    r = scored["r_score"].fillna(0).to_numpy(dtype=int)
    f = scored["f_score"].fillna(0).to_numpy(dtype=int)
    m = scored["m_score"].fillna(0).to_numpy(dtype=int)
    free = has.copy()
    for rule in rules:
        hit = (free & (rule.r[0] <= r) & (r <= rule.r[1]) & (rule.f[0] <= f) & (f <= rule.f[1])
               & (rule.m[0] <= m) & (m <= rule.m[1]))
        segment[hit] = rule.name
        free &= ~hit
    return segment


def segment_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per segment: customers, share, median recency/frequency/monetary, revenue share."""
    total_rev = float(table["monetary"].sum()) or 1.0
    g = table.groupby("segment")
    summary = pd.DataFrame({
        "customers": g.size(),
        "share": g.size() / len(table),
        "median_recency_days": g["recency_days"].median(),
        "median_frequency": g["frequency"].median(),
        "median_monetary": g["monetary"].median(),
        "revenue_share": g["monetary"].sum() / total_rev,
    })
    return summary.sort_values("customers", ascending=False)
