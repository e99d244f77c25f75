"""Erlang B/C/A against the published worked examples of issue 6 (exact to 1e-6)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.errors import InvalidInput
from routing.staffing.erlang import (
    Workload,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
)
from routing.staffing.required import StaffingTarget, evaluate, required_agents, scheduled

EXAMPLE_1 = Workload(arrivals=100, interval_seconds=1800, aht_seconds=180)


def test_example_1_traffic_is_ten_erlangs() -> None:
    assert EXAMPLE_1.traffic == pytest.approx(10.0, abs=1e-12)


def test_example_1_thirteen_agents_are_too_few() -> None:
    metrics = erlang_c_metrics(EXAMPLE_1, 13, answer_within=20)
    assert metrics.service_level == pytest.approx(0.7955947884, abs=1e-6)
    assert metrics.service_level < 0.8


def test_example_1_fourteen_agents() -> None:
    metrics = erlang_c_metrics(EXAMPLE_1, 14, answer_within=20)
    assert metrics.p_wait == pytest.approx(0.1741319336, abs=1e-6)
    assert metrics.service_level == pytest.approx(0.8883500192, abs=1e-6)
    assert metrics.asa_seconds == pytest.approx(7.835937012, abs=1e-6)
    assert metrics.occupancy == pytest.approx(0.7142857, abs=1e-6)


def test_example_1_required_with_shrinkage() -> None:
    result = required_agents(EXAMPLE_1, StaffingTarget(20, 0.8, shrinkage=0.3))
    assert (result.agents, result.scheduled_agents) == (14, 20)


def test_example_2_required() -> None:
    result = required_agents(Workload(360, 3600, 240), StaffingTarget(15, 0.8))
    assert result.agents == 29
    assert result.metrics.service_level == pytest.approx(0.8227485663, abs=1e-6)
    assert result.metrics.asa_seconds == pytest.approx(11.62915126, abs=1e-6)


def test_example_3_required_and_occupancy_cap() -> None:
    work = Workload(1000, 3600, 180)
    plain = required_agents(work, StaffingTarget(20, 0.8))
    assert plain.agents == 56
    assert plain.metrics.service_level == pytest.approx(0.8411755457, abs=1e-6)
    capped = required_agents(work, StaffingTarget(20, 0.8, max_occupancy=0.85))
    assert capped.agents == 59
    assert capped.metrics.occupancy <= 0.85


def test_erlang_a_example() -> None:
    target = StaffingTarget(20, 0.8, patience_seconds=300)
    result = required_agents(EXAMPLE_1, target)
    assert result.agents == 13
    assert result.metrics.service_level == pytest.approx(0.858178, abs=1e-6)
    assert result.metrics.p_abandon == pytest.approx(0.024963, abs=1e-6)


def test_erlang_b_example() -> None:
    assert erlang_b(10, 14) == pytest.approx(0.056819, abs=1e-6)


def test_erlang_a_tends_to_erlang_c_with_endless_patience() -> None:
    c = erlang_c_metrics(EXAMPLE_1, 14, 20)
    a = erlang_a_metrics(EXAMPLE_1, 14, 20, patience_seconds=1e9)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-3)
    assert a.p_abandon == pytest.approx(0.0, abs=1e-5)


def test_erlang_a_abandon_rate_balances_queue_little_law() -> None:
    """Abandons = theta * E[queue]; with the series form this checks P(ab) independently."""
    import numpy as np

    lam, mu, theta, n = 100 / 1800, 1 / 180, 1 / 300, 13
    k = np.arange(0, 600)
    log_p = np.zeros(len(k))
    for i in range(1, len(k)):
        death = min(i, n) * mu + max(i - n, 0) * theta
        log_p[i] = log_p[i - 1] + math.log(lam / death)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    queue = float((np.maximum(k - n, 0) * p).sum())
    metrics = erlang_a_metrics(EXAMPLE_1, n, 20, 300)
    assert metrics.p_abandon == pytest.approx(theta * queue / lam, abs=1e-9)
    assert metrics.p_wait == pytest.approx(float(p[n:].sum()), abs=1e-9)


def test_hundreds_of_agents_do_not_overflow() -> None:
    work = Workload(arrivals=20000, interval_seconds=1800, aht_seconds=300)  # 3333 Erlangs
    c = required_agents(work, StaffingTarget(20, 0.8))
    a = required_agents(work, StaffingTarget(20, 0.8, patience_seconds=120))
    assert 3333 < c.agents < 3500
    assert a.agents <= c.agents
    assert all(math.isfinite(v) for v in vars(a.metrics).values() if v is not None)
    assert 0.0 < erlang_c(3333.3, 3400) < 1.0


def test_abandon_cap_raises_staffing() -> None:
    loose = required_agents(EXAMPLE_1, StaffingTarget(20, 0.5, patience_seconds=300))
    capped = required_agents(EXAMPLE_1, StaffingTarget(20, 0.5, patience_seconds=300,
                                                       max_abandon=0.005))
    assert capped.agents > loose.agents
    assert capped.metrics.p_abandon <= 0.005
    assert evaluate(EXAMPLE_1, capped.agents - 1, capped_target := StaffingTarget(
        20, 0.5, patience_seconds=300, max_abandon=0.005)).p_abandon > capped_target.max_abandon


def test_unstable_erlang_c_reports_everyone_waits() -> None:
    metrics = erlang_c_metrics(EXAMPLE_1, 10, 20)
    assert (metrics.p_wait, metrics.service_level) == (1.0, 0.0)


def test_no_arrivals_need_no_agents() -> None:
    result = required_agents(Workload(0, 1800, 180), StaffingTarget(20, 0.8))
    assert (result.agents, result.metrics.service_level) == (0, 1.0)


def test_scheduled_rounds_float_noise_not_real_fractions() -> None:
    assert scheduled(14, 0.3) == 20
    assert scheduled(15, 0.3) == 22


@pytest.mark.parametrize("kwargs", [
    {"service_level": 1.0}, {"service_level": 0.0}, {"shrinkage": 1.0},
    {"max_occupancy": 0.0}, {"answer_within": -1}, {"max_abandon": 0.1},
    {"service_level": float("nan")},
])
def test_bad_targets_are_invalid_input(kwargs: dict) -> None:
    base = {"answer_within": 20, "service_level": 0.8}
    with pytest.raises(InvalidInput):
        StaffingTarget(**(base | kwargs))


@pytest.mark.parametrize("args", [(-1, 1800, 180), (10, 0, 180), (10, 1800, float("inf"))])
def test_bad_workloads_are_invalid_input(args: tuple) -> None:
    with pytest.raises(InvalidInput):
        Workload(*args)


def test_blocking_underflow_means_nobody_waits() -> None:
    """Far more agents than work: Erlang B underflows to 0.0, which must not crash log()."""
    work = Workload(arrivals=1, interval_seconds=1800, aht_seconds=10)
    assert erlang_b(work.traffic, 600) == 0.0
    metrics = erlang_a_metrics(work, 600, 20, 300)
    assert (metrics.service_level, metrics.p_wait, metrics.p_abandon) == (1.0, 0.0, 0.0)


@settings(max_examples=40, deadline=None)
@given(arrivals=st.floats(1, 3000), aht=st.floats(10, 900), patience=st.floats(5, 3600),
       within=st.floats(0, 120))
def test_more_agents_never_hurt(arrivals: float, aht: float, patience: float,
                                within: float) -> None:
    """Service level rises and abandonment falls with each added agent; all are probabilities."""
    work = Workload(arrivals, 1800, aht)
    start = max(1, int(work.traffic * 0.8))
    previous = None
    for n in range(start, start + 4):
        m = erlang_a_metrics(work, n, within, patience)
        assert 0.0 <= m.p_abandon <= 1.0 and 0.0 <= m.service_level <= 1.0 + 1e-12
        assert 0.0 <= m.p_wait <= 1.0 and m.asa_seconds >= 0.0
        if previous is not None:
            assert m.service_level >= previous.service_level - 1e-9
            assert m.p_abandon <= previous.p_abandon + 1e-9
        previous = m
