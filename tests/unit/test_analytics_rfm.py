"""RFM on a tiny history computed by hand; score ties; segment rules and config checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics.rfm import (
    NO_ORDERS,
    assign_segments,
    quintile_scores,
    rfm_table,
    score_rfm,
    segment_summary,
)
from crm_core.analytics.settings import load_config, parse_config
from crm_core.errors import InvalidInput

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
AS_OF = pd.Timestamp("2026-01-31", tz="UTC")


def tiny_orders() -> pd.DataFrame:
    """Five buyers (customer 6 never bought); customer 4's February order is after AS_OF."""
    rows = [
        (1, "2026-01-30", 100), (1, "2026-01-20", 50), (1, "2026-01-10", 50),
        (2, "2026-01-21", 300),
        (3, "2026-01-01", 20), (3, "2025-12-01", 30),
        (4, "2025-11-02", 10), (4, "2026-02-05", 999),
        (5, "2025-08-04", 500), (5, "2025-07-01", 500), (5, "2025-06-01", 500),
        (5, "2025-05-01", 500),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "placed_at", "total"])
    frame["placed_at"] = pd.to_datetime(frame["placed_at"], utc=True)
    frame["total"] = frame["total"].astype(float)
    return frame


def test_rfm_by_hand() -> None:
    table = score_rfm(rfm_table(tiny_orders(), AS_OF, np.arange(1, 7)))
    assert table["recency_days"].tolist()[:5] == [1, 10, 30, 90, 180]
    assert np.isnan(table.loc[6, "recency_days"])
    assert table["frequency"].tolist() == [3, 1, 2, 1, 4, 0]
    assert table["monetary"].tolist() == [200, 300, 50, 10, 2000, 0]
    # Recency 1 < 10 < 30 < 90 < 180: best to worst.
    assert table["r_score"].tolist()[:5] == [5, 4, 3, 2, 1]
    # Frequencies 3,1,2,1,4: the two 1s tie at score 1; 2 beats two -> 1 + 10//5 = 3.
    assert table["f_score"].tolist()[:5] == [4, 1, 3, 1, 5]
    assert table["m_score"].tolist()[:5] == [3, 4, 2, 1, 5]
    assert table.loc[6, ["r_score", "f_score", "m_score"]].isna().all()


def test_segments_from_the_shipped_rules() -> None:
    config = load_config(CONFIG_DIR)
    table = score_rfm(rfm_table(tiny_orders(), AS_OF, np.arange(1, 7)))
    table["segment"] = assign_segments(table, config.rfm.segments)
    assert table["segment"].tolist() == ["champions", "promising", "need_attention",
                                         "hibernating", "cant_lose", NO_ORDERS]
    summary = segment_summary(table)
    assert summary["customers"].sum() == 6
    assert summary.loc["cant_lose", "revenue_share"] == pytest.approx(2000 / 2560)


def test_shipped_rules_cover_every_score_pair() -> None:
    config = load_config(CONFIG_DIR)
    grid = pd.DataFrame([(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in (1, 5)],
                        columns=["r_score", "f_score", "m_score"])
    assert "other" not in set(assign_segments(grid, config.rfm.segments))


def test_quintiles_ignore_row_order_and_share_ties() -> None:
    values = np.array([5.0, 1.0, 1.0, 1.0, 9.0, 7.0, 3.0, 3.0, 2.0, 8.0])
    scores = quintile_scores(values)
    perm = np.random.default_rng(0).permutation(values.size)
    assert (quintile_scores(values[perm]) == scores[perm]).all()
    assert set(scores[values == 1.0]) == {1}
    assert scores[values.argmax()] == 5
    assert quintile_scores(np.array([4.0]), higher_is_better=False).tolist() == [1]


def test_bad_segment_rules_are_invalid_input() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_config({"rfm": {"segments": [{"name": "x", "r": [4, 2]}]}})
    assert "rfm.segments.0" in exc.value.details["errors"][0]
    with pytest.raises(InvalidInput):
        parse_config({"rfm": {"segments": []}, "surprise": 1})
    with pytest.raises(InvalidInput) as missing:
        load_config(Path("/nonexistent"))
    assert "not found" in missing.value.message


def test_quintile_scores_are_monotone_in_the_value() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.integers(0, 50), min_size=1, max_size=60))
    def check(values: list[int]) -> None:
        v = np.asarray(values, dtype=float)
        up, down = quintile_scores(v), quintile_scores(v, higher_is_better=False)
        order = np.argsort(v, kind="stable")
        assert (np.diff(up[order]) >= 0).all() and (np.diff(down[order]) <= 0).all()
        assert up.min() >= 1 and up.max() <= 5 and down.min() >= 1 and down.max() <= 5

    check()
