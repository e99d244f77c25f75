"""Offline evaluation: leave-last-new-product-out and strict next-basket, HR@k and NDCG@k.

Leave-last-new-out: for each customer with at least ``min_products`` distinct products,
the product they bought for the first time most recently (ties: the later order line) is
held out with all its lines; the model ranks it against every product the customer did
not buy in the remaining data. Next-basket (strict): each customer's whole last order is
held out; the relevant items are the products in it they had never bought before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommend.data import PurchaseLog, build_interactions
from recommend.feedback import DEFAULT_HALF_LIFE_DAYS, query_matrix
from recommend.models.base import Recommender


@dataclass(frozen=True)
class Split:
    """Training data and, for each evaluated customer, the products to find."""

    train: PurchaseLog
    customers: np.ndarray          # evaluated customer ids
    targets: list[np.ndarray]      # product ids to find, one array per customer
    products: np.ndarray           # the whole catalogue (every product in the full log)


@dataclass(frozen=True)
class EvalResult:
    """Accuracy of one model on one split."""

    hr: float
    ndcg: float
    train_seconds: float
    n_customers: int
    train_cpu_seconds: float = 0.0   # CPU time of all threads (load-independent-ish)


def leave_last_new_out(log: PurchaseLog, min_products: int = 3) -> Split:
    """Hold out each eligible customer's most recently first-bought product."""
    frame = log.frame
    first = frame.drop_duplicates(["customer", "product"], keep="first")
    distinct = first.groupby("customer")["product"].transform("size")
    held = first[distinct >= min_products].drop_duplicates("customer", keep="last")
    keys = frame["customer"] + "\x00" + frame["product"]
    held_keys = held["customer"] + "\x00" + held["product"]
    train = PurchaseLog(frame[~keys.isin(set(held_keys))].reset_index(drop=True))
    return Split(
        train=train, customers=held["customer"].to_numpy(dtype=object),
        targets=[np.array([p], dtype=object) for p in held["product"]],
        products=_catalogue(frame),
    )


def next_basket(log: PurchaseLog) -> Split:
    """Hold out each customer's whole last order; targets are its never-bought products."""
    frame = log.frame
    last_order = frame.drop_duplicates("customer", keep="last")[["customer", "order"]]
    is_last = frame.merge(last_order, on=["customer", "order"], how="left",
                          indicator=True)["_merge"].eq("both").to_numpy()
    before = frame[~is_last]
    seen = set(zip(before["customer"], before["product"], strict=True))
    has_history = set(before["customer"])
    customers, targets = [], []
    for customer, group in frame[is_last].groupby("customer", sort=True):
        if customer not in has_history:
            continue
        new = [p for p in dict.fromkeys(group["product"]) if (customer, p) not in seen]
        if new:
            customers.append(customer)
            targets.append(np.array(new, dtype=object))
    # Only evaluated customers lose their last order; everyone else's data stays in.
    held = is_last & frame["customer"].isin(set(customers)).to_numpy()
    train_frame = frame[~held]
    return Split(
        train=PurchaseLog(train_frame.reset_index(drop=True)),
        customers=np.array(customers, dtype=object), targets=targets,
        products=_catalogue(frame),
    )


def _catalogue(frame: pd.DataFrame) -> np.ndarray:
    return np.array(sorted(frame["product"].unique()), dtype=object)


def ranking_metrics(
    scores: np.ndarray, relevant: list[np.ndarray], k: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row hit@k and NDCG@k for score rows (already-bought items set to -inf).

    A relevant item's rank is its position in the full ranking; ties count against it
    (a model scoring everything equally earns nothing).
    """
    hits = np.zeros(len(relevant))
    ndcg = np.zeros(len(relevant))
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for row, items in enumerate(relevant):
        target_scores = scores[row, items]
        ranks = (scores[row][None, :] >= target_scores[:, None]).sum(axis=1) - 1
        ranks = np.where(np.isfinite(target_scores), ranks, k)
        in_top = ranks[ranks < k]
        hits[row] = float(len(in_top) > 0)
        ideal = discounts[: min(len(items), k)].sum()
        ndcg[row] = discounts[np.sort(in_top)].sum() / ideal if len(in_top) else 0.0
    return hits, ndcg


def evaluate(
    make_model: Callable[[], Recommender], split: Split, *, k: int = 10,
    half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS, batch: int = 1024,
) -> EvalResult:
    """Fit a fresh model on ``split.train`` and score the held-out products."""
    interactions = build_interactions(split.train, products=split.products)
    countries = split.train.customer_countries()
    groups = np.array([countries.get(c, "") for c in interactions.customers], dtype=object)
    model = make_model()
    started, cpu_started = time.perf_counter(), time.process_time()
    model.fit(interactions.matrix, groups=groups)
    train_seconds = time.perf_counter() - started
    train_cpu_seconds = time.process_time() - cpu_started

    row_of = interactions.customer_index()
    col_of = interactions.product_index()
    known = [i for i, c in enumerate(split.customers) if c in row_of]
    queries = query_matrix(split.train, interactions.customers, split.products, half_life_days)
    bought = interactions.matrix
    hits, ndcgs = [], []
    for start in range(0, len(known), batch):
        chunk = known[start:start + batch]
        rows = np.array([row_of[split.customers[i]] for i in chunk])
        scores = model.score(queries[rows], groups=groups[rows]).astype(np.float64)
        mask = bought[rows].toarray() > 0
        scores[mask] = -np.inf
        relevant = [np.array([col_of[p] for p in split.targets[i]]) for i in chunk]
        h, n = ranking_metrics(scores, relevant, k)
        hits.append(h)
        ndcgs.append(n)
    # Customers absent from training count as misses (their history was all held out).
    total = len(split.customers)
    hit_sum = float(np.concatenate(hits).sum()) if hits else 0.0
    ndcg_sum = float(np.concatenate(ndcgs).sum()) if ndcgs else 0.0
    return EvalResult(
        hr=hit_sum / total if total else 0.0, ndcg=ndcg_sum / total if total else 0.0,
        train_seconds=train_seconds, n_customers=total, train_cpu_seconds=train_cpu_seconds,
    )
