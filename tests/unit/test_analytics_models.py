"""Churn and lifetime-value models: scikit-learn contract, train / save / load / score the
same, and they learn the signal in a generated history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from crm_core.analytics import churn, clv
from crm_core.analytics.clusters import cluster_customers
from crm_core.analytics.features import FEATURES, customer_features
from crm_core.analytics.settings import ChurnConfig, SegmentationConfig
from crm_core.analytics.synthetic import generate_activity
from crm_core.errors import RuleViolation

END = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def activity():
    return generate_activity(1500, end=END, seed=3)


def test_churn_beats_recency_alone_on_a_time_split(activity) -> None:
    result = churn.evaluate(activity, activity.end, ChurnConfig())
    # The generator makes churners file tickets and write negative messages: the
    # behavioural model must find that on top of recency.
    assert result.roc_auc > result.baseline_roc_auc
    assert result.roc_auc > 0.75
    assert 0 < result.test_churn_rate < 1 and result.brier < 0.25


def test_churn_train_save_load_scores_the_same(activity, tmp_path: Path) -> None:
    X, y = churn.training_set(activity, activity.end - pd.Timedelta(days=90), ChurnConfig())
    with pytest.raises(NotFittedError):
        churn.ChurnClassifier().predict_proba(X)
    model = churn.ChurnClassifier().fit(X, y)
    assert clone(model).get_params() == model.get_params()
    path = churn.save_model(model, tmp_path / "churn.joblib")
    loaded = churn.load_model(path)
    p = model.predict_proba(X)
    assert np.array_equal(p, loaded.predict_proba(X))
    assert ((p >= 0) & (p <= 1)).all() and np.allclose(p.sum(axis=1), 1)
    reasons = loaded.reasons(X.head(20), top=3)
    assert len(reasons) == 20 and all(len(r) <= 3 for r in reasons)
    assert all(r["feature"] in FEATURES and r["effect"] > 0 for rs in reasons for r in rs)


def test_churn_hgb_variant_and_one_class_refused(activity) -> None:
    X, y = churn.training_set(activity, activity.end - pd.Timedelta(days=90), ChurnConfig())
    hgb = churn.ChurnClassifier(estimator="hgb", max_iter=20).fit(X, y)
    assert hgb.predict(X).shape == (len(X),)
    with pytest.raises(RuleViolation):
        churn.ChurnClassifier().fit(X, np.zeros(len(X), dtype=int))


def test_clv_train_save_load_predicts_the_same(activity, tmp_path: Path) -> None:
    summary = clv.purchase_summary(activity.orders, activity.end)
    with pytest.raises(NotFittedError):
        clv.BgNbdGammaGammaClv().predict(summary)
    model = clv.BgNbdGammaGammaClv(horizon_days=365).fit(summary)
    loaded = clv.load_model(clv.save_model(model, tmp_path / "clv.joblib"))
    pred = model.predict(summary)
    assert np.array_equal(pred, loaded.predict(summary))
    assert (pred >= 0).all() and pred.sum() > 0
    # Longer horizons never predict less.
    assert (model.predict(summary, days=30) <= pred + 1e-9).all()


def test_clv_beats_the_spend_rate_baseline(activity) -> None:
    result = clv.evaluate(activity.orders, activity.end, 180)
    assert result.mae < result.baseline_mae
    assert result.spearman > 0.3


def test_purchase_summary_by_hand() -> None:
    orders = pd.DataFrame({
        "customer_id": [1, 1, 1, 2],
        "placed_at": pd.to_datetime(["2026-01-01 09:00", "2026-01-01 15:00", "2026-01-11 00:00",
                                     "2026-01-05 00:00"], utc=True),
        "total": [10.0, 5.0, 30.0, 7.0]})
    s = clv.purchase_summary(orders, pd.Timestamp("2026-01-21 12:00", tz="UTC"))
    # Customer 1: two purchase days (Jan 1 twice counts once), repeat spend 30.
    assert s.loc[1].tolist() == [1.0, 10.0, 20.0, 30.0]
    assert s.loc[2].tolist() == [0.0, 0.0, 16.0, 0.0]


def test_features_see_only_the_past(activity) -> None:
    cutoff = activity.end - pd.Timedelta(days=200)
    feats = customer_features(activity, cutoff)
    assert list(feats.columns) == list(FEATURES)
    first = activity.orders.groupby("customer_id")["placed_at"].min()
    assert set(feats.index) == set(first[first <= cutoff].index)
    assert (feats["recency_days"] >= 0).all()


def test_clusters_pick_k_by_silhouette_and_describe(activity) -> None:
    feats = customer_features(activity, activity.end)
    result = cluster_customers(feats, SegmentationConfig(k_min=2, k_max=4,
                                                         silhouette_sample=500))
    assert result.k == max(result.silhouettes, key=result.silhouettes.get)
    assert sorted(result.labels.unique()) == list(range(result.k))
    assert sum(d["customers"] for d in result.descriptions) == len(feats)
    spend = [d["median_monetary"] for d in result.descriptions]
    assert spend == sorted(spend, reverse=True)
    assert all(d["description"].endswith("customers") for d in result.descriptions)


def test_clv_degenerate_dropout_fit_stays_finite() -> None:
    # Online Retail and the demo data fit a, b ~ 1e-16: lifetimes' closed form overflows
    # there (it gave inf for one-repeat customers); the NBD limit must be used instead.
    model = clv.BgNbdGammaGammaClv(horizon_days=365)
    model.bg_params_ = {"r": 1.09, "alpha": 43.05, "a": 3.5e-27, "b": 1.8e-16}
    model.gg_params_ = {"p": 12.05, "q": 2.13, "v": 12.06}
    model.mean_order_value_ = 100.0
    X = pd.DataFrame({"frequency": [1.0, 0.0, 30.0], "recency": [94.0, 0.0, 300.0],
                      "T": [327.0, 10.0, 310.0], "monetary_value": [343.97, 0.0, 50.0]})
    n = model.expected_purchases(X)
    assert np.allclose(n, (1.09 + X["frequency"]) / (43.05 + X["T"]) * 365)
    pred = model.predict(X)
    assert np.isfinite(pred).all() and (pred > 0).all()
