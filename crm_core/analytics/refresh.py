"""``kefu analytics refresh``: recompute RFM, lifetime value, churn risk and clusters for
every customer and rewrite the ``customer_analytics`` table in one transaction."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.analytics import churn, clv
from crm_core.analytics.clusters import cluster_customers
from crm_core.analytics.data import Activity, as_timestamp, load_activity
from crm_core.analytics.features import customer_features
from crm_core.analytics.models import CustomerAnalytics
from crm_core.analytics.rfm import assign_segments, rfm_table, score_rfm, segment_summary
from crm_core.analytics.settings import AnalyticsConfig
from crm_core.bulk import insert_rows
from crm_core.errors import KefuError

log = logging.getLogger(__name__)


@dataclass
class RefreshReport:
    """What a refresh computed, how long each stage took, and what it had to skip."""

    customers: int = 0
    as_of: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    segments: pd.DataFrame | None = None
    clusters: list[dict[str, Any]] = field(default_factory=list)
    cluster_k: int | None = None
    silhouettes: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Timer:
    seconds: dict[str, float]

    def lap(self, name: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[name] = round(now - since, 3)
        return now


def compute(activity: Activity, config: AnalyticsConfig, as_of: pd.Timestamp,
            report: RefreshReport, model_dir: Path | None = None) -> pd.DataFrame:
    """Every analytics column for every customer (index ``customer_id``), in memory."""
    timer, t = _Timer(report.seconds), time.perf_counter()
    table = score_rfm(rfm_table(activity.orders, as_of, activity.customer_ids))
    table["segment"] = assign_segments(table, config.rfm.segments)
    table["clv_historical"] = table["monetary"]
    report.segments = segment_summary(table)
    t = timer.lap("rfm", t)

    table["clv_12m"] = np.nan
    try:
        summary = clv.purchase_summary(activity.orders, as_of)
        model = clv.BgNbdGammaGammaClv(config.clv.horizon_days, config.clv.penalizer)
        model.fit(summary)
        table.loc[summary.index, "clv_12m"] = model.predict(summary)
        if model_dir:
            clv.save_model(model, model_dir / "clv.joblib")
    except (KefuError, ValueError, np.linalg.LinAlgError) as exc:
        report.notes.append(f"lifetime value skipped: {exc}")
    t = timer.lap("clv", t)

    table["churn_risk"] = np.nan
    table["churn_reasons"] = [[] for _ in range(len(table))]
    feats = customer_features(activity, as_of, config.churn.trend_window_days,
                              config.churn.negative_sentiment_below)
    try:
        _score_churn(activity, config, as_of, feats, table, model_dir)
    except (KefuError, ValueError) as exc:
        report.notes.append(f"churn risk skipped: {exc}")
    t = timer.lap("churn", t)

    table["cluster"] = pd.NA
    if len(feats) >= max(10, config.segmentation.k_min + 1):
        result = cluster_customers(feats, config.segmentation)
        table.loc[result.labels.index, "cluster"] = result.labels
        report.clusters, report.cluster_k = result.descriptions, result.k
        report.silhouettes = result.silhouettes
    else:
        report.notes.append("clusters skipped: fewer than 10 customers with orders")
    timer.lap("clusters", t)
    return table


def _score_churn(activity: Activity, config: AnalyticsConfig, as_of: pd.Timestamp,
                 feats: pd.DataFrame, table: pd.DataFrame, model_dir: Path | None) -> None:
    """Fit on the last full horizon (features at as_of - N, labels up to as_of), score
    everyone at ``as_of``, explain the risky ones."""
    from threadpoolctl import threadpool_limits

    cc = config.churn
    X, y = churn.training_set(activity, as_of - pd.Timedelta(days=cc.horizon_days), cc)
    if len(X) > cc.max_train_customers:
        keep = np.random.default_rng(0).choice(len(X), cc.max_train_customers, replace=False)
        X, y = X.iloc[keep], y.iloc[keep]
    # One thread: BLAS threads only contend on a small shared machine.
    with threadpool_limits(1):
        model = churn.ChurnClassifier().fit(X, y)
        risk = model.predict_proba(feats)[:, 1]
        table.loc[feats.index, "churn_risk"] = risk
        risky = feats[risk >= cc.reasons_min_risk]
        reasons = model.reasons(risky, cc.reasons_per_customer)
    table.loc[risky.index, "churn_reasons"] = pd.Series(reasons, index=risky.index,
                                                        dtype=object)
    if model_dir:
        churn.save_model(model, model_dir / "churn.joblib")


def _rows(table: pd.DataFrame, computed_at: datetime) -> list[dict[str, Any]]:
    def opt_int(col: str) -> list[int | None]:
        return [None if pd.isna(v) else int(v) for v in table[col].tolist()]

    def opt_float(col: str) -> list[float | None]:
        return [None if pd.isna(v) else round(float(v), 4) for v in table[col].tolist()]

    cols = {
        "customer_id": [int(i) for i in table.index], "recency_days": opt_int("recency_days"),
        "frequency": [int(v) for v in table["frequency"]],
        "monetary": [round(float(v), 2) for v in table["monetary"]],
        "r_score": opt_int("r_score"), "f_score": opt_int("f_score"),
        "m_score": opt_int("m_score"), "segment": table["segment"].tolist(),
        "clv_historical": [round(float(v), 2) for v in table["clv_historical"]],
        "clv_12m": opt_float("clv_12m"), "churn_risk": opt_float("churn_risk"),
        "churn_reasons": table["churn_reasons"].tolist(), "cluster": opt_int("cluster"),
    }
    names = list(cols)
    return [dict(zip(names, values, strict=True), computed_at=computed_at)
            for values in zip(*cols.values(), strict=True)]


async def refresh(engine: AsyncEngine, config: AnalyticsConfig, *,
                  as_of: datetime | None = None, model_dir: Path | None = None,
                  write: bool = True) -> RefreshReport:
    """Read the CRM, compute everything as of ``as_of`` (default: the latest order), and
    (``write``) replace ``customer_analytics`` in one transaction."""
    report, t0 = RefreshReport(), time.perf_counter()
    async with engine.connect() as conn:
        activity = await load_activity(conn, config.rfm.excluded_statuses)
    report.seconds["load"] = round(time.perf_counter() - t0, 3)
    end = as_timestamp(as_of) if as_of else activity.end
    if end is None:
        end = pd.Timestamp.now(tz="UTC")
        report.notes.append("no orders yet: every customer is no_orders")
    report.as_of, report.customers = str(end), len(activity.customer_ids)
    table = compute(activity, config, end, report, model_dir)
    if write:
        t = time.perf_counter()
        rows = _rows(table, end.to_pydatetime())
        async with engine.begin() as conn:
            await conn.execute(delete(CustomerAnalytics))
            await insert_rows(conn, CustomerAnalytics.__table__, rows)
        report.seconds["write"] = round(time.perf_counter() - t, 3)
    report.seconds["total"] = round(time.perf_counter() - t0, 3)
    return report
