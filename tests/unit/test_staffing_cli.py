"""``kefu staffing required``: the JSON contract and clean usage errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main

BASE = ["staffing", "required", "--arrivals", "100", "--interval-minutes", "30",
        "--aht", "180", "--answer-within", "20", "--target", "0.8"]


def run(*extra: str):
    return CliRunner().invoke(main, [*BASE, *extra])


def test_required_json_erlang_c() -> None:
    result = run("--shrinkage", "0.3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"agents", "scheduled_agents", "service_level", "p_wait",
                         "asa_seconds", "occupancy"}
    assert (data["agents"], data["scheduled_agents"]) == (14, 20)
    assert data["service_level"] == pytest.approx(0.8883500192, abs=1e-6)
    assert data["asa_seconds"] == pytest.approx(7.835937012, abs=1e-6)


def test_required_json_erlang_a() -> None:
    result = run("--patience", "300", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["agents"] == 13
    assert data["service_level"] == pytest.approx(0.858178, abs=1e-6)
    assert data["p_abandon"] == pytest.approx(0.024963, abs=1e-6)


def test_required_occupancy_cap() -> None:
    result = CliRunner().invoke(main, [
        "staffing", "required", "--arrivals", "1000", "--interval-minutes", "60", "--aht", "180",
        "--answer-within", "20", "--target", "0.8", "--max-occupancy", "0.85", "--json"])
    assert json.loads(result.output)["agents"] == 59


@pytest.mark.parametrize("extra", [
    ["--target", "1.5"], ["--shrinkage", "1"], ["--max-abandon", "0.1"],
    ["--aht", "-3"], ["--arrivals", "lots"], ["--patience", "0"],
])
def test_bad_input_is_a_usage_error(extra: list[str]) -> None:
    result = run(*extra, "--json")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Error" in result.output


def test_unreachable_target_is_reported_not_computed_forever() -> None:
    result = CliRunner().invoke(main, [
        "staffing", "required", "--arrivals", "1e9", "--aht", "180", "--answer-within", "20",
        "--target", "0.8", "--json"])
    assert result.exit_code == 2
    assert "more than 100000 agents" in result.output
