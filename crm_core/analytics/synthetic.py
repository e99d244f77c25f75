"""A generated purchase history (BG/NBD-like: each customer buys at their own rate until
they silently drop out) for tests and the scale benchmark. Vectorised: a million customers
take seconds."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from crm_core.analytics.data import Activity, as_timestamp


def generate_activity(n_customers: int, *, end: datetime, days: int = 540,
                      seed: int = 0) -> Activity:
    """Customers joining over ``days`` before ``end``; each buys at a Gamma-distributed
    rate (mean one order per ~75 days) until an exponential lifetime (mean 300 days) ends;
    order values log-normal around a per-customer level. Churners raise more tickets and
    write more negative messages, so behaviour carries signal beyond recency."""
    rng = np.random.default_rng(seed)
    end_ts = as_timestamp(end)
    ids = np.arange(1, n_customers + 1, dtype=np.int64)
    first = rng.uniform(0, days, n_customers)
    rate = rng.gamma(0.8, 1 / 60, n_customers)
    life = rng.exponential(300, n_customers)
    active_until = np.minimum(first + life, days)
    extra = rng.poisson(rate * (active_until - first))
    level = rng.lognormal(3.5, 0.6, n_customers)
    owner = np.repeat(np.arange(n_customers), extra)
    when = first[owner] + rng.uniform(0, 1, owner.size) * (active_until - first)[owner]
    cust = np.concatenate([np.arange(n_customers), owner])
    at = np.concatenate([first, when])
    value = level[cust] * rng.lognormal(0, 0.4, cust.size)
    start = (end_ts - pd.Timedelta(days=days)).floor("s")
    orders = pd.DataFrame({"customer_id": ids[cust],
                           "placed_at": (start + pd.to_timedelta(at, unit="D")).floor("s"),
                           "total": np.round(value, 2)})
    dropped = active_until < days
    n_tickets = rng.poisson(np.where(dropped, 0.6, 0.2))
    t_owner = np.repeat(np.arange(n_customers), n_tickets)
    t_at = np.minimum(days, first[t_owner] + rng.uniform(0, 1, t_owner.size)
                      * (active_until[t_owner] + 30 - first[t_owner]))
    tickets = pd.DataFrame({"customer_id": ids[t_owner],
                            "created_at": (start + pd.to_timedelta(t_at, unit="D")).floor("s")})
    sentiment = np.clip(rng.normal(np.where(dropped[t_owner], -0.45, 0.0), 0.3), -1, 1)
    messages = tickets.assign(sentiment=sentiment)
    rated = rng.uniform(size=t_owner.size) < 0.5
    score = np.clip(np.round(rng.normal(np.where(dropped[t_owner], 2.8, 4.2), 0.8)), 1, 5)
    csat = tickets.assign(score=score.astype(int))[rated]
    return Activity(ids, orders.sort_values("placed_at", ignore_index=True), tickets,
                    messages, csat.reset_index(drop=True))
