"""Behavioural features of each customer at a cutoff time, and the churn label after it.

Only events at or before the cutoff feed the features, so a model trained at one cutoff
and tested at a later one never sees its own future.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_core.analytics.data import Activity
from crm_core.analytics.rfm import DAY, rfm_table

FEATURES = (
    "recency_days", "frequency", "monetary", "tenure_days", "avg_order_value",
    "orders_last_window", "orders_prev_window", "frequency_trend",
    "spend_last_window", "spend_prev_window", "spend_trend",
    "tickets", "tickets_last_window", "negative_messages", "mean_sentiment",
    "csat_mean", "csat_count",
)


def _count_between(frame: pd.DataFrame, col: str, lo: pd.Timestamp, hi: pd.Timestamp,
                   value: str | None = None) -> pd.Series:
    part = frame[(frame[col] > lo) & (frame[col] <= hi)]
    g = part.groupby("customer_id")
    return g[value].sum() if value else g.size()


def customer_features(activity: Activity, cutoff: pd.Timestamp, window_days: int = 90,
                      negative_below: float = -0.3) -> pd.DataFrame:
    """One row per customer with at least one order at or before ``cutoff`` (index
    ``customer_id``), columns ``FEATURES``; ``csat_mean`` is 0 without ratings."""
    base = rfm_table(activity.orders, cutoff)
    if base.empty:
        return pd.DataFrame(columns=list(FEATURES), index=pd.Index([], name="customer_id"))
    w = pd.Timedelta(days=window_days)
    o, t, m, c = activity.orders, activity.tickets, activity.messages, activity.csat
    feats = base.copy()
    feats["avg_order_value"] = feats["monetary"] / feats["frequency"]
    feats["orders_last_window"] = _count_between(o, "placed_at", cutoff - w, cutoff)
    feats["orders_prev_window"] = _count_between(o, "placed_at", cutoff - 2 * w, cutoff - w)
    feats["spend_last_window"] = _count_between(o, "placed_at", cutoff - w, cutoff, "total")
    feats["spend_prev_window"] = _count_between(o, "placed_at", cutoff - 2 * w, cutoff - w,
                                                "total")
    past = pd.Timestamp.min.tz_localize("UTC")
    feats["tickets"] = _count_between(t, "created_at", past, cutoff)
    feats["tickets_last_window"] = _count_between(t, "created_at", cutoff - w, cutoff)
    seen_m = m[m["created_at"] <= cutoff]
    feats["negative_messages"] = seen_m[seen_m["sentiment"] < negative_below] \
        .groupby("customer_id").size()
    feats["mean_sentiment"] = seen_m.groupby("customer_id")["sentiment"].mean()
    seen_c = c[c["created_at"] <= cutoff].groupby("customer_id")["score"]
    feats["csat_mean"], feats["csat_count"] = seen_c.mean(), seen_c.size()
    counts = ["orders_last_window", "orders_prev_window", "spend_last_window",
              "spend_prev_window", "tickets", "tickets_last_window", "negative_messages",
              "csat_count"]
    feats[counts] = feats[counts].fillna(0)
    # No messages: neutral; no ratings: 0 (csat_count = 0 tells the model it is missing).
    # Real NaN would be fine for the booster but not when a column is NaN throughout.
    feats["mean_sentiment"] = feats["mean_sentiment"].fillna(0.0)
    feats["csat_mean"] = feats["csat_mean"].fillna(0.0)
    feats["frequency_trend"] = feats["orders_last_window"] - feats["orders_prev_window"]
    feats["spend_trend"] = feats["spend_last_window"] - feats["spend_prev_window"]
    return feats[list(FEATURES)].astype(float)


def churn_labels(activity: Activity, customers: pd.Index, cutoff: pd.Timestamp,
                 horizon_days: int) -> pd.Series:
    """1 when the customer placed no order in (cutoff, cutoff + horizon], else 0."""
    o = activity.orders
    later = o[(o["placed_at"] > cutoff) & (o["placed_at"] <= cutoff + horizon_days * DAY)]
    bought = np.isin(customers.to_numpy(), later["customer_id"].unique())
    return pd.Series((~bought).astype(np.int64), index=customers, name="churned")
