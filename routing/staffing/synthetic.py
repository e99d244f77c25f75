"""Synthetic contact history with a known weekly structure, for tests and benchmarks.

Arrivals are Poisson with a rate that depends only on the interval of the week (two daily
peaks, quieter weekends), optionally with a weekly growth ``trend``; handle times are
log-normal with a mean that rises in the evening. Because the true rate is known, a
forecast's error can be compared with the irreducible Poisson noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEKDAY_FACTOR = np.array([1.0, 0.95, 0.95, 0.9, 0.85, 0.5, 0.4])


def true_rates(interval_minutes: int = 30, peak: float = 60.0) -> np.ndarray:
    """Expected arrivals per interval of the week (Monday 00:00 first)."""
    per_day = 24 * 60 // interval_minutes
    hours = (np.arange(per_day) + 0.5) * interval_minutes / 60.0
    shape = (np.exp(-0.5 * ((hours - 10.5) / 1.6) ** 2)
             + 0.8 * np.exp(-0.5 * ((hours - 15.0) / 2.0) ** 2)
             + 0.05)
    shape = shape / shape.max()
    return np.concatenate([peak * f * shape for f in WEEKDAY_FACTOR])


def true_aht(interval_minutes: int = 30) -> np.ndarray:
    """Mean handle time (seconds) per interval of the week: 240 s, 300 s after 18:00."""
    per_day = 24 * 60 // interval_minutes
    hours = np.arange(per_day) * interval_minutes / 60.0
    return np.tile(np.where(hours >= 18, 300.0, 240.0), 7)


def synthetic_history(weeks: int, *, start: str = "2026-01-05", interval_minutes: int = 30,
                      peak: float = 60.0, trend: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """``weeks`` weeks of contacts from Monday ``start``: ``started_at``, ``handle_seconds``.

    ``trend`` is the relative growth per week (0.02 = +2% a week).
    """
    rng = np.random.default_rng(seed)
    rates, aht = true_rates(interval_minutes, peak), true_aht(interval_minutes)
    begin = pd.Timestamp(start)
    frames = []
    for week in range(weeks):
        counts = rng.poisson(rates * (1.0 + trend) ** week)
        slot = np.repeat(np.arange(rates.size), counts)
        offset = (slot + rng.uniform(size=slot.size)) * interval_minutes * 60.0
        sigma = 0.6  # log-normal spread; the mean is kept at aht[slot]
        handle = aht[slot] * rng.lognormal(-sigma**2 / 2, sigma, size=slot.size)
        frames.append(pd.DataFrame({
            "started_at": begin + week * pd.Timedelta(days=7) + pd.to_timedelta(offset, "s"),
            "handle_seconds": handle.round(1)}))
    return pd.concat(frames, ignore_index=True)
