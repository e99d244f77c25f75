"""The discrete-event simulation agrees with the Erlang formulas (fixed seeds, small runs).

Tolerance: 0.03 absolute on service level and 0.015 on P(abandon). With ~60 000 simulated
contacts the run-to-run standard deviation of the service level is about 0.007 (measured
over seeds, see BENCHMARKS.md), so the bound is about four standard deviations.
"""

from __future__ import annotations

import numpy as np
import pytest

from crm_core.errors import InvalidInput
from routing.staffing.erlang import Workload, erlang_a_metrics, erlang_c_metrics
from routing.staffing.simulation import SimulationSpec, simulate, simulate_stationary

WORK = Workload(100, 1800, 180)


def test_erlang_c_agrees_with_simulation() -> None:
    sim = simulate_stationary(100, 1800, 180, agents=14, answer_within=20, intervals=600, seed=3)
    formula = erlang_c_metrics(WORK, 14, 20)
    assert sim.arrivals > 50_000
    assert sim.service_level == pytest.approx(formula.service_level, abs=0.03)
    assert sim.asa_seconds == pytest.approx(formula.asa_seconds, abs=2.0)
    assert sim.occupancy == pytest.approx(formula.occupancy, abs=0.02)
    assert sim.abandoned == 0


def test_erlang_a_agrees_with_simulation() -> None:
    sim = simulate_stationary(100, 1800, 180, agents=13, answer_within=20, intervals=600,
                              patience_seconds=300, seed=4)
    formula = erlang_a_metrics(WORK, 13, 20, 300)
    assert sim.service_level == pytest.approx(formula.service_level, abs=0.03)
    assert sim.p_abandon == pytest.approx(formula.p_abandon, abs=0.015)
    assert sim.asa_seconds == pytest.approx(formula.asa_seconds, abs=2.0)


def test_empirical_handle_times_run() -> None:
    """Deterministic 180 s handle times wait less than exponential ones (less variance)."""
    kwargs = {"agents": 13, "answer_within": 20, "intervals": 300, "seed": 9}
    expo = simulate_stationary(100, 1800, 180, **kwargs)
    fixed = simulate_stationary(100, 1800, 180, handle_samples=[180.0], **kwargs)
    assert fixed.service_level > expo.service_level
    assert fixed.occupancy == pytest.approx(10 / 13, abs=0.02)


def test_time_varying_staffing_and_closing() -> None:
    """Nobody staffed in the second interval: its contacts wait for the third or abandon."""
    spec = SimulationSpec(arrivals=[50, 50, 0], agents=[10, 0, 10], interval_seconds=1800,
                          aht_seconds=180, answer_within=20, patience_seconds=60)
    sim = simulate(spec, seed=1)
    assert sim.arrivals == sim.answered + sim.abandoned
    assert 0.35 < sim.p_abandon < 0.65  # about half the contacts hit the empty interval
    assert sim.service_level < 1 - sim.p_abandon


def test_same_seed_same_result() -> None:
    a = simulate_stationary(30, 1800, 240, 6, 20, intervals=20, seed=2)
    b = simulate_stationary(30, 1800, 240, 6, 20, intervals=20, seed=2)
    assert a == b


def test_mismatched_spec_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        SimulationSpec([1, 2], [1], 1800, 180, 20)
    with pytest.raises(InvalidInput):
        SimulationSpec([1], [-1], 1800, 180, 20)
    assert np.isfinite(simulate(SimulationSpec([0], [1], 1800, 180, 20)).service_level)
