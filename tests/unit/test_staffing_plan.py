"""``kefu staffing plan`` from CSVs, and the plan + PNG bundle for the supervisor page."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bot.cli import main
from routing.staffing.planning import ShiftOptions, build_plan, read_arrivals_csv
from routing.staffing.report import supervisor_view
from routing.staffing.required import StaffingTarget
from routing.staffing.synthetic import synthetic_history

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def arrivals_csv(tmp_path: Path) -> Path:
    path = tmp_path / "arrivals.csv"
    pd.DataFrame({
        "interval_start": pd.date_range("2026-03-02 08:00", periods=8, freq="30min"),
        "arrivals": [10, 20, 40, 60, 60, 40, 20, 10],
    }).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def history_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.csv"
    synthetic_history(3, seed=2, peak=20).to_csv(path, index=False)
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, ["staffing", "plan", *args])


def test_plan_from_interval_arrivals_csv(arrivals_csv: Path, tmp_path: Path) -> None:
    chart = tmp_path / "out.png"
    result = invoke("--arrivals-csv", str(arrivals_csv), "--aht", "240", "--shift-hours", "2",
                    "--start-every-minutes", "30", "--chart", str(chart), "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    required = [i["required"] for i in plan["intervals"]]
    assert required == [3, 5, 8, 11, 11, 8, 5, 3]  # Erlang C, 80/20, AHT 240 s
    assert all(i["planned"] >= i["required"] for i in plan["intervals"])
    # By hand: 2 h = 4 intervals, so no shift covers both interval 3 (needs 11) and
    # interval 7 (needs 3): at least 14 shifts, and 14 suffice -> cost 14 x 2 h = 28.
    assert plan["cost"] == pytest.approx(28.0)
    assert chart.read_bytes().startswith(PNG)


def test_plan_table_from_history_csv(history_csv: Path) -> None:
    result = invoke("--arrivals-csv", str(history_csv), "--holdout-weeks", "1",
                    "--shrinkage", "0.25", "--patience", "180")
    assert result.exit_code == 0, result.output
    assert "status Optimal" in result.output
    assert "held-out week(s): MAE" in result.output
    assert "Mon 01-26 " in result.output  # shifts of the week after the 3 weeks of history


def test_deviation_objective_with_seats(arrivals_csv: Path) -> None:
    result = invoke("--arrivals-csv", str(arrivals_csv), "--aht", "240", "--shift-hours", "2",
                    "--max-on-duty", "10", "--objective", "deviation", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert max(i["planned"] for i in plan["intervals"]) <= 10
    assert plan["shortfall_agent_intervals"] >= 2  # the two 11-agent peaks lose one each


def test_infeasible_plan_is_a_clear_error(arrivals_csv: Path) -> None:
    result = invoke("--arrivals-csv", str(arrivals_csv), "--aht", "240", "--max-on-duty", "10")
    assert result.exit_code == 1
    assert "no shift plan satisfies the limits" in result.output
    assert "uncoverable_intervals" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("extra", [
    [],  # arrivals CSV without aht_seconds and no --aht
    ["--aht", "240", "--objective", "cheapest"],
    ["--aht", "240", "--start-every-minutes", "45"],
])
def test_bad_plan_input_is_a_usage_error(arrivals_csv: Path, extra: list[str]) -> None:
    result = invoke("--arrivals-csv", str(arrivals_csv), *extra)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_unreadable_csv_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("started_at,handle_seconds\nnot a time,12\n")
    result = invoke("--arrivals-csv", str(path))
    assert result.exit_code == 2
    assert "unreadable" in result.output


@pytest.mark.parametrize("extra", [["--start", "tomorrow-ish"], ["--holdout-weeks", "9"],
                                   ["--model", "kefu.prophet.v9"], ["--interval-minutes", "7"]])
def test_bad_history_options_are_usage_errors(history_csv: Path, extra: list[str]) -> None:
    result = invoke("--arrivals-csv", str(history_csv), *extra)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_supervisor_view_bundles_plan_table_and_png(arrivals_csv: Path) -> None:
    forecast = read_arrivals_csv(arrivals_csv, default_aht=240)
    plan = build_plan(forecast, StaffingTarget(20, 0.8),
                      ShiftOptions(lengths_hours=(2.0,), start_every_minutes=30))
    view = supervisor_view(plan)
    assert view.png.startswith(PNG)
    assert "status Optimal" in view.table
    assert view.as_dict()["cost"] == pytest.approx(28.0)


def test_simulated_plan_meets_the_formula() -> None:
    """A week's plan, simulated with time-varying staffing, lands near the Erlang figure.

    Tolerance 0.03 on the mean of 3 runs (one week is ~8 000 contacts, run SD ~0.01).
    """
    import statistics

    from routing.staffing.planning import formula_service_level, forecast_history, simulate_plan

    forecast, _ = forecast_history(synthetic_history(3, seed=8, peak=90))
    target = StaffingTarget(20, 0.8, patience_seconds=240, shrinkage=0.2)
    plan = build_plan(forecast, target)
    runs = simulate_plan(plan, target, seed=1, repeats=3)
    simulated = statistics.mean(r.service_level for r in runs)
    formula = formula_service_level(plan, target)
    assert formula >= 0.8
    assert simulated == pytest.approx(formula, abs=0.03)
    assert all(0.0 < r.p_abandon < 0.1 for r in runs)
    per_interval = runs[0].interval_service_level
    assert len(per_interval) == 336 and per_interval[0] is not None


def test_plan_json_with_simulation(arrivals_csv: Path) -> None:
    result = invoke("--arrivals-csv", str(arrivals_csv), "--aht", "240", "--shift-hours", "2",
                    "--simulate", "2", "--json")
    assert result.exit_code == 0, result.output
    check = json.loads(result.output)["simulation"]
    assert check["runs"] == 2
    assert 0.0 <= check["service_level"] <= 1.0
    assert check["formula_service_level"] >= 0.8
