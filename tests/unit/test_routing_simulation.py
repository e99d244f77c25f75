"""The simulated day: the CLI contract, determinism, and priority actually helping."""

from __future__ import annotations

import json
import random

from click.testing import CliRunner

from bot.cli import main as kefu
from routing.simulation import arrival_rate, arrivals, run


def test_simulate_json_contract() -> None:
    result = CliRunner().invoke(
        kefu, ["routing", "simulate", "--policy", "fifo", "--agents", "4", "--seed", "3",
               "--volume", "400", "--tick-seconds", "10", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert 0.0 <= report["service_level"] <= 1.0
    assert {"vip", "angry"} <= set(report["classes"])
    for row in report["classes"].values():
        assert set(row) == {"wait_p50", "wait_p90", "count"}
        assert 0 <= row["wait_p50"] <= row["wait_p90"]
    assert all(0.0 <= share <= 1.0 for share in report["specialist_share"].values())
    parts = sum(r["count"] for name, r in report["classes"].items() if name != "all")
    assert parts == report["classes"]["all"]["count"] == report["contacts"]


def test_bad_arguments_are_usage_errors() -> None:
    runner = CliRunner()
    assert runner.invoke(kefu, ["routing", "simulate", "--policy", "lifo"]).exit_code == 2
    assert runner.invoke(kefu, ["routing", "simulate", "--agents", "0"]).exit_code == 2
    missing = runner.invoke(kefu, ["routing", "simulate", "--config", "/nope.yml"])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_same_seed_same_day_and_peaks_in_the_curve() -> None:
    # A coarse router loop keeps these understaffed days fast; the bench uses the server's 1 s.
    assert run("kefu", 4, 5, daily_volume=300, tick_seconds=10) == run(
        "kefu", 4, 5, daily_volume=300, tick_seconds=10)
    morning, night = arrival_rate(10.75 * 3600, 1000), arrival_rate(19.5 * 3600, 1000)
    assert morning > 2.5 * night
    times = arrivals(random.Random(1), 2000)
    assert 1700 < len(times) < 2300 and times == sorted(times)


def test_priority_serves_vip_and_angry_sooner_than_fifo_under_load() -> None:
    fifo = run("fifo", 4, 11, daily_volume=700, tick_seconds=10)
    kefu_ = run("kefu", 4, 11, daily_volume=700, tick_seconds=10)
    for klass in ("vip", "angry"):
        assert kefu_["classes"][klass]["wait_p90"] < fifo["classes"][klass]["wait_p90"] / 2
    assert kefu_["classes"]["all"]["count"] == fifo["classes"]["all"]["count"]

