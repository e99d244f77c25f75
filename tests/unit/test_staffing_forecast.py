"""Seasonal forecasters on synthetic history whose true rates are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from crm_core.errors import InvalidInput
from routing.staffing.forecast import (
    SeasonalForecaster,
    accuracy,
    backtest,
    interval_counts,
    make_forecaster,
    read_history_csv,
    slots_per_week,
    validate_history,
)
from routing.staffing.synthetic import synthetic_history, true_aht, true_rates


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return synthetic_history(8, seed=11)


def test_fit_learns_the_weekly_shape(history: pd.DataFrame) -> None:
    model = SeasonalForecaster().fit(history)
    rates = true_rates()
    assert model.arrivals_.shape == (336,)
    # Mean of 8 Poisson weeks: relative error of the weekly total is tiny, per slot small.
    assert model.arrivals_.sum() == pytest.approx(rates.sum(), rel=0.02)
    assert np.corrcoef(model.arrivals_, rates)[0, 1] > 0.97
    assert np.abs(model.aht_ - true_aht()).mean() < 25.0


def test_predict_defaults_to_the_week_after_history(history: pd.DataFrame) -> None:
    forecast = SeasonalForecaster().fit(history).predict()
    assert forecast.start == pd.Timestamp("2026-03-02")  # 8 weeks after Monday 2026-01-05
    assert len(forecast.arrivals) == 336
    frame = forecast.to_frame()
    assert list(frame.columns) == ["interval_start", "arrivals", "aht_seconds"]
    mid_week = SeasonalForecaster().fit(history).predict("2026-03-04 10:00", periods=2)
    assert mid_week.arrivals[0] == forecast.arrivals[2 * 48 + 20]


def test_predict_before_fit_raises() -> None:
    with pytest.raises(NotFittedError):
        SeasonalForecaster().predict()


def test_held_out_accuracy_is_near_the_poisson_floor(history: pd.DataFrame) -> None:
    """The best possible forecast (the true rate) still errs by the Poisson noise; the
    seasonal mean on 6 training weeks should be within a few WAPE points of it."""
    score = backtest(history, make_forecaster("kefu.seasonal_mean.v1"), holdout_weeks=2)
    actual = interval_counts(validate_history(history), 30).to_numpy()[-672:]
    floor = accuracy(actual, np.tile(true_rates(), 2))
    assert score.intervals == 672
    assert score.wape < floor.wape + 0.03
    assert score.mae < floor.mae * 1.15


def test_recency_weighting_follows_a_trend() -> None:
    growing = synthetic_history(8, seed=5, trend=0.05)
    plain = backtest(growing, make_forecaster("kefu.seasonal_mean.v1"), holdout_weeks=1)
    ewma = backtest(growing, make_forecaster("kefu.seasonal_ewma.v1"), holdout_weeks=1)
    assert ewma.wape < plain.wape


def test_accuracy_measures() -> None:
    score = accuracy(np.array([0, 10, 20]), np.array([1, 12, 15]))
    assert score.mae == pytest.approx(8 / 3)
    assert score.mape == pytest.approx((0.2 + 0.25) / 2)
    assert score.wape == pytest.approx(8 / 30)


def test_history_csv_round_trip(tmp_path, history: pd.DataFrame) -> None:
    path = tmp_path / "history.csv"
    history.head(500).to_csv(path, index=False)
    loaded = read_history_csv(path)
    assert len(loaded) == 500
    assert loaded["started_at"].dtype.kind == "M"


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"started_at": []}),
    pd.DataFrame({"started_at": [], "handle_seconds": []}),
    pd.DataFrame({"started_at": ["yesterday-ish"], "handle_seconds": [10]}),
    pd.DataFrame({"started_at": ["2026-01-05 10:00"], "handle_seconds": [-5]}),
])
def test_bad_history_is_invalid_input(frame: pd.DataFrame) -> None:
    with pytest.raises(InvalidInput):
        SeasonalForecaster().fit(frame)


def test_bad_names_and_intervals() -> None:
    with pytest.raises(InvalidInput):
        make_forecaster("kefu.prophet.v9")
    with pytest.raises(InvalidInput):
        slots_per_week(7)
