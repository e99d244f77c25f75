"""Evaluation protocols and metrics, checked by hand on tiny logs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recommend.data import PurchaseLog
from recommend.evaluation import evaluate, leave_last_new_out, next_basket, ranking_metrics
from recommend.models import create

NEG = -np.inf


def test_ranking_metrics_by_hand() -> None:
    scores = np.array([[0.9, 0.5, 0.7, NEG]])
    hits, ndcg = ranking_metrics(scores, [np.array([1])], k=10)
    assert hits[0] == 1.0 and ndcg[0] == pytest.approx(1 / math.log2(4))   # third place
    hits, ndcg = ranking_metrics(scores, [np.array([1])], k=2)
    assert hits[0] == 0.0 and ndcg[0] == 0.0
    _, ndcg = ranking_metrics(scores, [np.array([0, 2])], k=10)               # places 1, 2
    assert ndcg[0] == pytest.approx(1.0)
    _, ndcg = ranking_metrics(scores, [np.array([1, 2])], k=10)               # places 3, 2
    ideal = 1 + 1 / math.log2(3)
    assert ndcg[0] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)


def test_ties_count_against_the_target() -> None:
    hits, _ = ranking_metrics(np.zeros((1, 5)), [np.array([0])], k=4)
    assert hits[0] == 0.0


def _log(rows: list[tuple[str, str, str, str]]) -> PurchaseLog:
    return PurchaseLog.from_records(
        [(c, p, o, t, 1.0, "UK") for c, p, o, t in rows])


def test_leave_last_new_out_holds_out_latest_first_purchase() -> None:
    log = _log([
        ("c1", "p1", "o1", "2024-01-01"), ("c1", "p2", "o2", "2024-01-02"),
        ("c1", "p4", "o3", "2024-01-03"), ("c1", "p1", "o4", "2024-01-05"),  # repeat, not new
        ("c2", "p1", "o5", "2024-01-01"), ("c2", "p2", "o5", "2024-01-01"),  # only 2 products
    ])
    split = leave_last_new_out(log)
    assert list(split.customers) == ["c1"]
    assert [list(t) for t in split.targets] == [["p4"]]
    train = split.train.frame
    assert not ((train["customer"] == "c1") & (train["product"] == "p4")).any()
    assert len(train) == 5
    assert list(split.products) == ["p1", "p2", "p4"]


def test_next_basket_targets_are_new_products_of_the_last_order() -> None:
    log = _log([
        ("c1", "p1", "o1", "2024-01-01"), ("c1", "p2", "o1", "2024-01-01"),
        ("c1", "p2", "o2", "2024-02-01"), ("c1", "p3", "o2", "2024-02-01"),
        ("c2", "p1", "o3", "2024-01-01"),                                     # one order only
    ])
    split = next_basket(log)
    assert list(split.customers) == ["c1"]
    assert [list(t) for t in split.targets] == [["p3"]]
    assert set(split.train.frame["order"]) == {"o1", "o3"}


def clustered_log(n_per_cluster: int = 12) -> PurchaseLog:
    """Two taste clusters; each customer buys their cluster's products in a fixed order."""
    rows, day = [], 0
    for cluster in ("a", "b"):
        for n in range(n_per_cluster):
            products = [f"{cluster}{i}" for i in range(4)]
            start = n % 4
            for step in range(4):
                day += 1
                rows.append((f"{cluster}-cust{n}", products[(start + step) % 4], f"o{day}",
                             f"2024-01-01 00:00:00+{day}s"))
    return PurchaseLog.from_records([
        (c, p, o, np.datetime64("2024-01-01") + np.timedelta64(i, "D"), 1.0, "UK")
        for i, (c, p, o, _) in enumerate(rows)])


@pytest.mark.parametrize("name", ["kefu.ease.v1", "kefu.itemknn.v1"])
def test_item_models_find_the_held_out_product_popularity_does_not(name: str) -> None:
    split = leave_last_new_out(clustered_log())
    result = evaluate(lambda: create(name), split, k=1)
    popular = evaluate(lambda: create("kefu.popularity.v1"), split, k=1)
    # The one product of their cluster a customer has not bought is the only sensible pick.
    assert result.hr == 1.0 and result.ndcg == 1.0
    assert popular.hr <= 0.6
    assert result.n_customers == 24
