"""Churn risk: a calibrated gradient-boosting classifier on behavioural features, its
time-split evaluation against a recency-only baseline, and per-customer reasons."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from crm_core.analytics.data import Activity
from crm_core.analytics.features import FEATURES, churn_labels, customer_features
from crm_core.analytics.settings import ChurnConfig
from crm_core.errors import InvalidInput, RuleViolation

MODEL_NAME = "kefu.churn_calibrated.v1"


def _signed_log(X: np.ndarray) -> np.ndarray:
    # Counts, money and trends are heavy-tailed (and trends can be negative).
    return np.sign(X) * np.log1p(np.abs(X))


class ChurnClassifier(ClassifierMixin, BaseEstimator):
    """P(no purchase in the horizon) from ``FEATURES``, calibrated with
    ``CalibratedClassifierCV`` so the score reads as a probability.

    ``estimator="logistic"`` (default): logistic regression on signed-log, standardised
    features -- as accurate as boosting on the Online Retail time split and ~10x faster;
    ``"hgb"``: a small HistGradientBoosting for richer data.
    """

    def __init__(self, estimator: str = "logistic", C: float = 1.0, max_iter: int = 100,
                 learning_rate: float = 0.05, calibration: str = "sigmoid",
                 calibration_cv: int = 3, random_state: int = 0) -> None:
        self.estimator = estimator
        self.C = C
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.random_state = random_state

    def _base(self) -> Any:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, StandardScaler

        if self.estimator == "logistic":
            return make_pipeline(FunctionTransformer(_signed_log), StandardScaler(),
                                 LogisticRegression(C=self.C, max_iter=1000))
        if self.estimator == "hgb":
            return HistGradientBoostingClassifier(
                max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=8,
                min_samples_leaf=40, l2_regularization=1.0, random_state=self.random_state)
        raise InvalidInput(f"unknown churn estimator {self.estimator!r}",
                           details={"estimator": self.estimator,
                                    "known": ["logistic", "hgb"]})

    def fit(self, X: pd.DataFrame, y: Any) -> ChurnClassifier:
        """Fit on a frame with the ``FEATURES`` columns; returns self."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(y).astype(np.int64)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise RuleViolation("churn model needs both churned and retained customers",
                                details={"classes": self.classes_.tolist()})
        minority = int(np.bincount(y).min())
        base = self._base()
        self.feature_names_in_ = np.asarray(FEATURES, dtype=object)
        if minority >= 2:
            # Platt (sigmoid) scaling, not isotonic: isotonic steps turn close scores into
            # ties, which cost ~0.02-0.09 ROC-AUC on Online Retail; sigmoid keeps the order.
            # Shuffled folds: customer ids follow sign-up order, so plain folds would be
            # cohorts (old customers fit, new ones calibrate).
            folds = StratifiedKFold(min(self.calibration_cv, minority), shuffle=True,
                                    random_state=self.random_state)
            self.model_ = CalibratedClassifierCV(base, method=self.calibration, cv=folds)
        else:
            self.model_ = base
        M = self._matrix(X)
        self.model_.fit(M, y)
        # Reference customer for reasons: the median of each feature.
        self.reference_ = np.median(M, axis=0)
        return self

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        return X[list(FEATURES)].to_numpy(dtype=float)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Columns: P(retained), P(churned)."""
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._matrix(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 (churn) when P(churned) >= 0.5."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[dict[str, Any]]]:
        """Per customer, the features that raise the risk most: each feature in turn is set
        to the typical (median) customer's value and the drop in risk is its effect."""
        check_is_fitted(self, "model_")
        if top <= 0 or len(X) == 0:
            return [[] for _ in range(len(X))]
        M = self._matrix(X)
        base = self.model_.predict_proba(M)[:, 1]
        effects = np.zeros_like(M)
        for j in range(M.shape[1]):
            swapped = M.copy()
            swapped[:, j] = self.reference_[j]
            effects[:, j] = base - self.model_.predict_proba(swapped)[:, 1]
        order = np.argsort(-effects, axis=1)[:, :top]
        out = []
        for i, cols in enumerate(order):
            out.append([{"feature": FEATURES[j], "value": _num(M[i, j]),
                         "effect": round(float(effects[i, j]), 4)}
                        for j in cols if effects[i, j] > 0.005])
        return out


def _num(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 2)


def save_model(model: ChurnClassifier, path: Path) -> Path:
    """Write the fitted model with its registry name (joblib)."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"name": MODEL_NAME, "model": model}, path)
    return path


def load_model(path: Path) -> ChurnClassifier:
    """Read a model written by ``save_model``; refuses another model's file."""
    import joblib

    data = joblib.load(path)
    if data.get("name") != MODEL_NAME:
        raise RuleViolation(f"{path} holds {data.get('name')!r}, not {MODEL_NAME}",
                            details={"path": str(path)})
    return data["model"]


@dataclass(frozen=True)
class ChurnEvaluation:
    """Time-split evaluation: train at ``train_cutoff``, test at ``test_cutoff``."""

    roc_auc: float
    baseline_roc_auc: float
    train_cutoff: str
    test_cutoff: str
    train_customers: int
    test_customers: int
    test_churn_rate: float
    brier: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-able figures."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


def training_set(activity: Activity, cutoff: pd.Timestamp,
                 config: ChurnConfig) -> tuple[pd.DataFrame, pd.Series]:
    """Features at ``cutoff`` and labels from the following ``horizon_days``."""
    X = customer_features(activity, cutoff, config.trend_window_days,
                          config.negative_sentiment_below)
    return X, churn_labels(activity, X.index, cutoff, config.horizon_days)


def evaluate(activity: Activity, end: pd.Timestamp, config: ChurnConfig,
             model: ChurnClassifier | None = None) -> ChurnEvaluation:
    """Train on features at ``end - 2N`` labelled by (end - 2N, end - N]; test on features
    at ``end - N`` labelled by (end - N, end]. Baseline: recency alone as the score."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    n = pd.Timedelta(days=config.horizon_days)
    train_cut, test_cut = end - 2 * n, end - n
    X_tr, y_tr = training_set(activity, train_cut, config)
    X_te, y_te = training_set(activity, test_cut, config)
    if y_te.nunique() < 2:
        raise RuleViolation("not enough history for a churn time split",
                            details={"test_cutoff": str(test_cut)})
    model = (model or ChurnClassifier()).fit(X_tr, y_tr)
    p = model.predict_proba(X_te)[:, 1]
    return ChurnEvaluation(
        roc_auc=float(roc_auc_score(y_te, p)),
        baseline_roc_auc=float(roc_auc_score(y_te, X_te["recency_days"])),
        train_cutoff=str(train_cut), test_cutoff=str(test_cut),
        train_customers=len(X_tr), test_customers=len(X_te),
        test_churn_rate=float(y_te.mean()), brier=float(brier_score_loss(y_te, p)))
