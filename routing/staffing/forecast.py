"""Arrival and handle-time forecasts per interval of the week, from conversation history.

History is a plain table of contacts: ``started_at`` (timestamp) and ``handle_seconds``.
It can come from a CSV (``read_history_csv``) or from crm_core's conversations table
(``routing.staffing.history``). Forecasters follow the scikit-learn contract: ``__init__``
stores hyper-parameters, ``fit`` returns ``self``, learned state ends in ``_``, predicting
before fitting raises ``NotFittedError``.

Two seasonal models, chosen by versioned name:

* ``kefu.seasonal_mean.v1``: the mean count of each interval-of-week over past weeks;
* ``kefu.seasonal_ewma.v1``: the same with exponentially decaying weights per week, so a
  trend or a level shift is followed faster.

Handle time per interval-of-week is the slot's mean shrunk towards the overall mean (a
slot with few contacts says little), with ``aht_prior_weight`` pseudo-contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_core.errors import InvalidInput

WEEK = pd.Timedelta(days=7)


def slots_per_week(interval_minutes: int) -> int:
    """Number of intervals in a week (336 for 30 minutes)."""
    if interval_minutes <= 0 or (24 * 60) % interval_minutes:
        raise InvalidInput("interval_minutes must divide a day", details={
            "field": "interval_minutes", "value": interval_minutes})
    return 7 * 24 * 60 // interval_minutes


def slot_of_week(stamps: pd.Series | pd.DatetimeIndex, interval_minutes: int) -> np.ndarray:
    """Index 0..slots-1 of each timestamp's interval, Monday 00:00 being slot 0."""
    idx = pd.DatetimeIndex(stamps)
    minutes = idx.day_of_week * 24 * 60 + idx.hour * 60 + idx.minute
    return np.asarray(minutes // interval_minutes, dtype=int)


def validate_history(history: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise a history table: datetime ``started_at``, float ``handle_seconds``."""
    missing = {"started_at", "handle_seconds"} - set(history.columns)
    if missing:
        raise InvalidInput(f"history lacks column(s) {sorted(missing)}",
                           details={"missing": sorted(missing)})
    out = history[["started_at", "handle_seconds"]].copy()
    try:
        out["started_at"] = pd.to_datetime(out["started_at"])
        out["handle_seconds"] = pd.to_numeric(out["handle_seconds"])
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"history has unreadable values: {exc}") from exc
    if out.empty:
        raise InvalidInput("history is empty: nothing to forecast from")
    if out["started_at"].dt.tz is not None:
        # Staffing works in local wall-clock time; drop the zone after converting to it.
        out["started_at"] = out["started_at"].dt.tz_localize(None)
    if (out["handle_seconds"] < 0).any() or out["handle_seconds"].isna().any():
        raise InvalidInput("handle_seconds must be present and >= 0")
    return out.sort_values("started_at", ignore_index=True)


def read_history_csv(path: str | Path) -> pd.DataFrame:
    """Read a history CSV with columns ``started_at`` and ``handle_seconds``."""
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc
    return validate_history(frame)


@dataclass(frozen=True)
class Forecast:
    """Expected arrivals and handle time for consecutive intervals from ``start``."""

    start: pd.Timestamp
    interval_minutes: int
    arrivals: np.ndarray
    aht_seconds: np.ndarray

    @property
    def index(self) -> pd.DatetimeIndex:
        """Start time of each interval."""
        return pd.date_range(self.start, periods=len(self.arrivals),
                             freq=f"{self.interval_minutes}min")

    def to_frame(self) -> pd.DataFrame:
        """One row per interval: ``interval_start``, ``arrivals``, ``aht_seconds``."""
        return pd.DataFrame({"interval_start": self.index, "arrivals": self.arrivals,
                             "aht_seconds": self.aht_seconds})


def interval_counts(history: pd.DataFrame, interval_minutes: int) -> pd.Series:
    """Contacts per interval over the whole days the history spans, zero-filled.

    The span is widened to whole days because a quiet night with no contacts is a real
    zero, not missing data.
    """
    freq = f"{interval_minutes}min"
    stamps = history["started_at"].dt.floor(freq)
    counts = stamps.value_counts().sort_index()
    first = stamps.min().floor("D")
    last = stamps.max().floor("D") + pd.Timedelta(days=1) - pd.Timedelta(minutes=interval_minutes)
    full = pd.date_range(first, last, freq=freq)
    return counts.reindex(full, fill_value=0).astype(float)


class SeasonalForecaster:
    """Mean arrivals per interval-of-week over past weeks, optionally recency-weighted.

    ``decay`` = 1.0 gives the plain seasonal mean; ``decay`` < 1 multiplies the weight of
    each older week by ``decay`` (an exponentially weighted moving average).
    """

    def __init__(self, interval_minutes: int = 30, decay: float = 1.0,
                 aht_prior_weight: float = 20.0) -> None:
        self.interval_minutes = interval_minutes
        self.decay = decay
        self.aht_prior_weight = aht_prior_weight

    def fit(self, history: pd.DataFrame) -> SeasonalForecaster:
        """Learn ``arrivals_`` and ``aht_`` per interval-of-week from ``history``."""
        if not 0.0 < self.decay <= 1.0:
            raise InvalidInput("decay must be in (0, 1]", details={"value": self.decay})
        history = validate_history(history)
        slots = slots_per_week(self.interval_minutes)
        counts = interval_counts(history, self.interval_minutes)
        weeks_ago = np.floor((counts.index[-1] - counts.index) / WEEK).astype(int)
        weights = self.decay ** np.asarray(weeks_ago, dtype=float)
        slot = slot_of_week(counts.index, self.interval_minutes)
        weight_sum = np.bincount(slot, weights=weights, minlength=slots)
        count_sum = np.bincount(slot, weights=weights * counts.to_numpy(), minlength=slots)
        # A slot never observed (history shorter than a week) is forecast as zero.
        self.arrivals_ = np.divide(count_sum, weight_sum, out=np.zeros(slots),
                                   where=weight_sum > 0)
        self.aht_ = self._fit_aht(history, slots)
        self.history_end_ = counts.index[-1] + pd.Timedelta(minutes=self.interval_minutes)
        return self

    def _fit_aht(self, history: pd.DataFrame, slots: int) -> np.ndarray:
        slot = slot_of_week(history["started_at"], self.interval_minutes)
        handle = history["handle_seconds"].to_numpy(dtype=float)
        overall = float(handle.mean())
        n = np.bincount(slot, minlength=slots)
        total = np.bincount(slot, weights=handle, minlength=slots)
        self.aht_overall_ = overall
        return (total + self.aht_prior_weight * overall) / (n + self.aht_prior_weight)

    def predict(self, start: Any = None, periods: int | None = None) -> Forecast:
        """Forecast ``periods`` intervals (default one week) from ``start`` (default: next)."""
        if not hasattr(self, "arrivals_"):
            # Imported here: scikit-learn takes seconds to import and is needed only now.
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("call fit(history) before predict()")
        slots = len(self.arrivals_)
        try:
            begin = pd.Timestamp(start) if start is not None else self.history_end_
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"cannot read start time {start!r}",
                               details={"field": "start"}) from exc
        begin = begin.floor(f"{self.interval_minutes}min")
        periods = slots if periods is None else int(periods)
        index = pd.date_range(begin, periods=periods, freq=f"{self.interval_minutes}min")
        slot = slot_of_week(index, self.interval_minutes)
        return Forecast(begin, self.interval_minutes, self.arrivals_[slot].copy(),
                        self.aht_[slot].copy())


FORECASTERS = {
    "kefu.seasonal_mean.v1": lambda interval: SeasonalForecaster(interval, decay=1.0),
    "kefu.seasonal_ewma.v1": lambda interval: SeasonalForecaster(interval, decay=0.7),
}


def make_forecaster(name: str, interval_minutes: int = 30) -> SeasonalForecaster:
    """The forecaster registered under ``name``."""
    try:
        return FORECASTERS[name](interval_minutes)
    except KeyError:
        raise InvalidInput(f"unknown forecaster {name!r}",
                           details={"known": sorted(FORECASTERS)}) from None


@dataclass(frozen=True)
class Accuracy:
    """Errors of a forecast against actual counts per interval."""

    mae: float
    mape: float  # over intervals with at least one actual arrival
    wape: float  # sum |error| / sum actual
    intervals: int


def accuracy(actual: np.ndarray, predicted: np.ndarray) -> Accuracy:
    """MAE, MAPE (non-zero actuals) and WAPE of ``predicted`` against ``actual``."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    error = np.abs(actual - predicted)
    nonzero = actual > 0
    mape = float((error[nonzero] / actual[nonzero]).mean()) if nonzero.any() else float("nan")
    wape = float(error.sum() / actual.sum()) if actual.sum() else float("nan")
    return Accuracy(float(error.mean()), mape, wape, int(actual.size))


def backtest(history: pd.DataFrame, forecaster: SeasonalForecaster,
             holdout_weeks: int = 2) -> Accuracy:
    """Fit on all but the last ``holdout_weeks`` weeks and score the forecast of those."""
    history = validate_history(history)
    counts = interval_counts(history, forecaster.interval_minutes)
    cut = counts.index[-1] + pd.Timedelta(minutes=forecaster.interval_minutes) \
        - holdout_weeks * WEEK
    train = history[history["started_at"] < cut]
    if train.empty:
        raise InvalidInput("history too short for the hold-out", details={
            "holdout_weeks": holdout_weeks})
    forecast = forecaster.fit(train).predict(cut, periods=len(counts[counts.index >= cut]))
    return accuracy(counts[counts.index >= cut].to_numpy(), forecast.arrivals)
