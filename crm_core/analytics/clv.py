"""Customer lifetime value: historical spend, and next-period value predicted with
BG/NBD (how many purchases) x Gamma-Gamma (how much each), from the ``lifetimes`` package.

Time unit is the day. Following ``lifetimes``: ``frequency`` = repeat purchase days
(distinct purchase days - 1), ``recency`` = days from first to last purchase day, ``T`` =
days from first purchase to the cutoff, ``monetary_value`` = mean spend of the repeat
purchase days (0 without repeats).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from crm_core.analytics.rfm import DAY
from crm_core.errors import RuleViolation

MODEL_NAME = "kefu.clv_bgnbd_gammagamma.v1"
SUMMARY = ("frequency", "recency", "T", "monetary_value")


def purchase_summary(orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The BG/NBD summary of each customer with an order at or before ``cutoff``."""
    seen = orders[orders["placed_at"] <= cutoff]
    if seen.empty:
        return pd.DataFrame(columns=list(SUMMARY), index=pd.Index([], name="customer_id"))
    day = seen["placed_at"].dt.floor("D")
    daily = seen.assign(day=day).groupby(["customer_id", "day"], sort=True)["total"].sum()
    daily = daily.reset_index()
    g = daily.groupby("customer_id")
    first, last = g["day"].min(), g["day"].max()
    count, spend = g.size(), g["total"].sum()
    first_spend = daily.drop_duplicates("customer_id", keep="first").set_index(
        "customer_id")["total"]
    freq = (count - 1).astype(float)
    repeat_spend = spend - first_spend
    out = pd.DataFrame({
        "frequency": freq,
        "recency": ((last - first) / DAY).astype(float),
        "T": ((cutoff.floor("D") - first) / DAY).astype(float),
        "monetary_value": np.where(freq > 0, repeat_spend / freq.replace(0, 1), 0.0),
    })
    out.index.name = "customer_id"
    return out


def _lifetimes() -> Any:
    """The ``lifetimes`` package, imported quietly (it sets a pandas option pandas 3
    deprecates, which warns at import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
        import lifetimes.utils
    return lifetimes


def _fit_with_retries(fitter: Any, penalizer: float, *columns: pd.Series) -> Any:
    """Fit a ``lifetimes`` model; on non-convergence retry with a 10x, then 100x larger
    penalizer (it shrinks the parameters, which is what the optimiser needs on skewed data)."""
    ConvergenceError = _lifetimes().utils.ConvergenceError  # noqa: N806

    last: Exception | None = None
    for factor in (1, 10, 100):
        try:
            # lifetimes prints the optimiser's state when it fails; keep stdout clean.
            with contextlib.redirect_stdout(io.StringIO()):
                return fitter(penalizer_coef=max(penalizer, 1e-4) * factor).fit(*columns)
        except ConvergenceError as exc:
            last = exc
    raise RuleViolation("lifetime value model did not converge",
                        details={"model": fitter.__name__}) from last


class BgNbdGammaGammaClv(RegressorMixin, BaseEstimator):
    """Expected spend in the next ``horizon_days`` per customer (scikit-learn contract;
    ``X`` is a ``purchase_summary`` frame). Stores only the fitted parameters."""

    def __init__(self, horizon_days: int = 365, penalizer: float = 0.001) -> None:
        self.horizon_days = horizon_days
        self.penalizer = penalizer

    def fit(self, X: pd.DataFrame, y: Any = None) -> BgNbdGammaGammaClv:
        """Fit BG/NBD on everyone and Gamma-Gamma on repeat buyers; returns self."""
        lifetimes = _lifetimes()
        BetaGeoFitter, GammaGammaFitter = lifetimes.BetaGeoFitter, lifetimes.GammaGammaFitter  # noqa: N806
        if len(X) < 10:
            raise RuleViolation("lifetime value needs at least 10 customers with orders",
                                details={"customers": len(X)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bg = _fit_with_retries(BetaGeoFitter, self.penalizer,
                                   X["frequency"], X["recency"], X["T"])
            repeat = X[(X["frequency"] > 0) & (X["monetary_value"] > 0)]
            self.mean_order_value_ = float(repeat["monetary_value"].mean()) if len(repeat) \
                else 0.0
            self.gg_params_ = None
            if len(repeat) >= 10:
                gg = _fit_with_retries(GammaGammaFitter, self.penalizer,
                                       repeat["frequency"], repeat["monetary_value"])
                self.gg_params_ = {k: float(v) for k, v in gg.params_.items()}
        self.bg_params_ = {k: float(v) for k, v in bg.params_.items()}
        return self

    def expected_purchases(self, X: pd.DataFrame, days: float | None = None) -> np.ndarray:
        """Expected purchase days in the next ``days`` (default ``horizon_days``)."""
        check_is_fitted(self, "bg_params_")
        t = float(days or self.horizon_days)
        x, rec, T = (X[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        p = self.bg_params_
        # When the fit drives the dropout parameters a, b to ~0 (no one seems to leave, as
        # on Online Retail and the demo data) BG/NBD's hypergeometric term is evaluated at
        # c = a + b + x - 1 ~ 0 and overflows; its limit is the NBD rate (r + x)/(alpha + T).
        nbd = (p["r"] + x) / (p["alpha"] + T) * t
        if min(p["a"], p["b"]) < 1e-6:
            n = nbd
        else:
            bg = _lifetimes().BetaGeoFitter()
            bg.params_ = pd.Series(p)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                n = np.asarray(bg.conditional_expected_number_of_purchases_up_to_time(
                    t, x, rec, T), dtype=float)
            n = np.where(np.isfinite(n), n, nbd)
        # At most one purchase day per day.
        return np.clip(n, 0.0, t)

    def expected_order_value(self, X: pd.DataFrame) -> np.ndarray:
        """Gamma-Gamma's expected spend per purchase (shrunk towards the mean)."""
        check_is_fitted(self, "bg_params_")
        if self.gg_params_ is None:
            return np.full(len(X), self.mean_order_value_)
        gg = _lifetimes().GammaGammaFitter()
        gg.params_ = pd.Series(self.gg_params_)
        v = gg.conditional_expected_average_profit(X["frequency"].to_numpy(float),
                                                   X["monetary_value"].to_numpy(float))
        v = np.asarray(v, dtype=float)
        return np.where(np.isfinite(v) & (v >= 0), v, self.mean_order_value_)

    def predict(self, X: pd.DataFrame, days: float | None = None) -> np.ndarray:
        """Expected spend in the next ``days`` (default ``horizon_days``), undiscounted."""
        return self.expected_purchases(X, days) * self.expected_order_value(X)


def save_model(model: BgNbdGammaGammaClv, path: Path) -> Path:
    """Write the fitted model with its registry name (joblib)."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"name": MODEL_NAME, "model": model}, path)
    return path


def load_model(path: Path) -> BgNbdGammaGammaClv:
    """Read a model written by ``save_model``."""
    import joblib

    data = joblib.load(path)
    if data.get("name") != MODEL_NAME:
        raise RuleViolation(f"{path} holds {data.get('name')!r}, not {MODEL_NAME}",
                            details={"path": str(path)})
    return data["model"]


@dataclass(frozen=True)
class ClvEvaluation:
    """Predicted vs actual spend in a holdout after ``cutoff``."""

    cutoff: str
    holdout_days: int
    customers: int
    mae: float
    baseline_mae: float
    spearman: float
    baseline_spearman: float
    predicted_total: float
    actual_total: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-able figures."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


def evaluate(orders: pd.DataFrame, end: pd.Timestamp, holdout_days: int,
             penalizer: float = 0.001) -> ClvEvaluation:
    """Fit at ``end - holdout``; compare each customer's predicted spend over the holdout
    with what they actually spent. Baseline: past spend per day x holdout days."""
    from scipy.stats import spearmanr

    cutoff = end - holdout_days * DAY
    X = purchase_summary(orders, cutoff)
    model = BgNbdGammaGammaClv(horizon_days=holdout_days, penalizer=penalizer).fit(X)
    later = orders[(orders["placed_at"] > cutoff) & (orders["placed_at"] <= end)]
    actual = later.groupby("customer_id")["total"].sum().reindex(X.index).fillna(0.0)
    pred = model.predict(X)
    seen = orders[orders["placed_at"] <= cutoff].groupby("customer_id")["total"].sum()
    rate = seen.reindex(X.index) / (X["T"] + 1)
    base = (rate * holdout_days).to_numpy()
    a = actual.to_numpy()
    return ClvEvaluation(
        cutoff=str(cutoff), holdout_days=holdout_days, customers=len(X),
        mae=float(np.mean(np.abs(pred - a))), baseline_mae=float(np.mean(np.abs(base - a))),
        spearman=float(spearmanr(pred, a).statistic),
        baseline_spearman=float(spearmanr(base, a).statistic),
        predicted_total=float(pred.sum()), actual_total=float(a.sum()))
