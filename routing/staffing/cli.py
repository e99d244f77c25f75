"""``kefu staffing`` commands."""

from __future__ import annotations

import json
from typing import Any

import click


@click.group()
def staffing() -> None:
    """Erlang staffing, arrival forecasts and shift plans."""


def _fraction(low_open: bool = True, high_open: bool = True) -> click.FloatRange:
    return click.FloatRange(0.0, 1.0, min_open=low_open, max_open=high_open)


@staffing.command()
@click.option("--arrivals", type=click.FloatRange(min=0.0), required=True,
              help="Contacts arriving in the interval.")
@click.option("--interval-minutes", type=click.FloatRange(min=0.0, min_open=True),
              default=30.0, show_default=True, help="Length of the interval.")
@click.option("--aht", type=click.FloatRange(min=0.0, min_open=True), required=True,
              help="Average handle time in seconds.")
@click.option("--answer-within", type=click.FloatRange(min=0.0), required=True,
              help="Answer-time target in seconds (e.g. 20).")
@click.option("--target", type=_fraction(), required=True,
              help="Service level target as a fraction (e.g. 0.8).")
@click.option("--patience", type=click.FloatRange(min=0.0, min_open=True), default=None,
              help="Mean customer patience in seconds: switches to Erlang A (abandonment).")
@click.option("--max-abandon", type=_fraction(high_open=False), default=None,
              help="Cap on P(abandon) (Erlang A only).")
@click.option("--shrinkage", type=_fraction(low_open=False), default=0.0, show_default=True,
              help="Share of paid time away from contacts.")
@click.option("--max-occupancy", type=_fraction(high_open=False), default=None,
              help="Cap on agent occupancy (e.g. 0.85).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def required(arrivals: float, interval_minutes: float, aht: float, answer_within: float,
             target: float, patience: float | None, max_abandon: float | None,
             shrinkage: float, max_occupancy: float | None, as_json: bool) -> None:
    """Agents needed for one interval (Erlang C, or Erlang A with --patience)."""
    from crm_core.errors import KefuError
    from routing.staffing.erlang import Workload
    from routing.staffing.required import StaffingTarget, required_agents

    if max_abandon is not None and patience is None:
        raise click.UsageError("--max-abandon needs --patience (Erlang A)")
    try:
        result = required_agents(
            Workload(arrivals, interval_minutes * 60.0, aht),
            StaffingTarget(answer_within, target, patience_seconds=patience,
                           max_abandon=max_abandon, max_occupancy=max_occupancy,
                           shrinkage=shrinkage))
    except KefuError as exc:
        raise click.UsageError(exc.message) from exc
    data = result.as_dict()
    if as_json:
        click.echo(json.dumps(data))
        return
    for key, value in data.items():
        click.echo(f"{key:>17}: {value:.6g}" if isinstance(value, float) else f"{key:>17}: {value}")


@staffing.command()
@click.option("--arrivals-csv", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV of contact history (started_at, handle_seconds) or of per-interval "
                   "arrivals (interval_start, arrivals[, aht_seconds]). Default: the CRM.")
@click.option("--database-url", default=None, help="CRM database (default from settings).")
@click.option("--all-conversations", is_flag=True,
              help="Count bot-only conversations too (default: those an agent joined).")
@click.option("--timezone", default="UTC", show_default=True,
              help="Local time zone for the CRM's UTC timestamps.")
@click.option("--interval-minutes", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--model", default="kefu.seasonal_mean.v1", show_default=True,
              help="Forecaster: kefu.seasonal_mean.v1 or kefu.seasonal_ewma.v1.")
@click.option("--start", default=None, help="First interval to plan (default: after history).")
@click.option("--days", type=click.IntRange(min=1, max=28), default=7, show_default=True)
@click.option("--holdout-weeks", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also score the forecaster on the last N weeks of history.")
@click.option("--aht", type=click.FloatRange(min=0.0, min_open=True), default=None,
              help="Handle time (s) when the arrivals CSV has no aht_seconds column.")
@click.option("--answer-within", type=click.FloatRange(min=0.0), default=20.0, show_default=True)
@click.option("--target", type=_fraction(), default=0.8, show_default=True)
@click.option("--patience", type=click.FloatRange(min=0.0, min_open=True), default=None)
@click.option("--max-abandon", type=_fraction(high_open=False), default=None)
@click.option("--shrinkage", type=_fraction(low_open=False), default=0.0, show_default=True)
@click.option("--max-occupancy", type=_fraction(high_open=False), default=None)
@click.option("--shift-hours", type=click.FloatRange(min=0.0, min_open=True), multiple=True,
              default=(8.0,), show_default=True, help="Shift length; repeat for several.")
@click.option("--start-every-minutes", type=click.IntRange(min=1), default=60, show_default=True)
@click.option("--cost-per-hour", type=click.FloatRange(min=0.0), default=1.0, show_default=True)
@click.option("--max-per-shift", type=click.IntRange(min=0), default=None,
              help="At most this many agents may start any one shift.")
@click.option("--max-on-duty", type=click.IntRange(min=0), default=None,
              help="Seats: at most this many agents on duty in any interval.")
@click.option("--objective", type=click.Choice(["cost", "deviation"]), default="cost",
              show_default=True, help="Minimum cost with full coverage, or minimum "
                                      "shortfall + overstaffing.")
@click.option("--under-weight", type=click.FloatRange(min=0.0), default=1.0, show_default=True)
@click.option("--over-weight", type=click.FloatRange(min=0.0), default=1.0, show_default=True)
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
@click.option("--chart", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write a PNG of required vs planned agents here.")
@click.option("--simulate", "simulate_runs", type=click.IntRange(min=0, max=50), default=0,
              help="Check the plan with N runs of the discrete-event simulation.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(arrivals_csv: str | None, database_url: str | None, all_conversations: bool,
         timezone: str, interval_minutes: int, model: str, start: str | None, days: int,
         holdout_weeks: int, aht: float | None, answer_within: float, target: float,
         patience: float | None, max_abandon: float | None, shrinkage: float,
         max_occupancy: float | None, shift_hours: tuple[float, ...],
         start_every_minutes: int, cost_per_hour: float, max_per_shift: int | None,
         max_on_duty: int | None, objective: str, under_weight: float, over_weight: float,
         time_limit: float, chart: str | None, simulate_runs: int, as_json: bool) -> None:
    """Forecast, staff each interval and choose shifts; print a table, draw a chart."""
    from crm_core.errors import InvalidInput, KefuError
    from routing.staffing import planning
    from routing.staffing.report import plan_chart_png, plan_table
    from routing.staffing.required import StaffingTarget
    from routing.staffing.shifts import PlanLimits

    try:
        goal = StaffingTarget(answer_within, target, patience_seconds=patience,
                              max_abandon=max_abandon, max_occupancy=max_occupancy,
                              shrinkage=shrinkage)
        periods = days * 24 * 60 // interval_minutes
        forecast, accuracy = _forecast(arrivals_csv, database_url, all_conversations, timezone,
                                       interval_minutes, model, start, periods, holdout_weeks,
                                       aht)
        options = planning.ShiftOptions(
            lengths_hours=tuple(shift_hours), start_every_minutes=start_every_minutes,
            cost_per_hour=cost_per_hour, max_per_shift=max_per_shift, objective=objective,
            limits=PlanLimits(max_on_duty=max_on_duty, under_weight=under_weight,
                              over_weight=over_weight, time_limit_seconds=time_limit))
        result = planning.build_plan(forecast, goal, options, accuracy)
    except InvalidInput as exc:
        raise click.UsageError(exc.message) from exc
    except KefuError as exc:
        raise click.ClickException(f"{exc.message} {json.dumps(exc.details)}") from exc
    if chart:
        with open(chart, "wb") as handle:
            handle.write(plan_chart_png(result))
    check = _simulation_summary(result, goal, simulate_runs) if simulate_runs else None
    if as_json:
        data = result.as_dict()
        if check:
            data["simulation"] = check
        click.echo(json.dumps(data))
        return
    click.echo(plan_table(result))
    if check:
        click.echo(f"simulated ({check['runs']} runs): service level "
                   f"{check['service_level']:.4f} ± {check['service_level_sd']:.4f}, "
                   f"P(abandon) {check['p_abandon']:.4f}; Erlang formula for the planned "
                   f"staffing {check['formula_service_level']:.4f}, target {target:g}")
    if accuracy is not None:
        click.echo(f"forecast on {holdout_weeks} held-out week(s): MAE {accuracy.mae:.2f}, "
                   f"MAPE {accuracy.mape:.1%}, WAPE {accuracy.wape:.1%}")


def _forecast(arrivals_csv: str | None, database_url: str | None, all_conversations: bool,
              timezone: str, interval_minutes: int, model: str, start: str | None,
              periods: int, holdout_weeks: int, aht: float | None) -> tuple[Any, Any]:
    """Forecast (and its hold-out accuracy) from a CSV, history or per-interval, or the CRM."""
    import asyncio

    from routing.staffing import planning
    from routing.staffing.forecast import read_history_csv
    from routing.staffing.history import load_history

    if arrivals_csv and not planning.is_history_csv(arrivals_csv):
        forecast = planning.read_arrivals_csv(arrivals_csv, interval_minutes=interval_minutes,
                                              default_aht=aht)
        return forecast, None
    if arrivals_csv:
        history = read_history_csv(arrivals_csv)
    else:
        from bot.cli import load_settings

        url = database_url or load_settings().database_url
        history = asyncio.run(load_history(url, agents_only=not all_conversations,
                                           timezone=timezone))
    return planning.forecast_history(history, interval_minutes=interval_minutes, model=model,
                                     start=start, periods=periods, holdout_weeks=holdout_weeks)


def _simulation_summary(result: Any, goal: Any, runs: int) -> dict[str, float]:
    """Mean of ``runs`` simulations of the plan next to the formula's service level."""
    import statistics

    from routing.staffing.planning import formula_service_level, simulate_plan

    sims = simulate_plan(result, goal, repeats=runs)
    levels = [s.service_level for s in sims]
    return {
        "runs": runs,
        "service_level": statistics.mean(levels),
        "service_level_sd": statistics.stdev(levels) if runs > 1 else 0.0,
        "formula_service_level": formula_service_level(result, goal),
        "p_abandon": statistics.mean(s.p_abandon for s in sims),
        "asa_seconds": statistics.mean(s.asa_seconds for s in sims),
        "occupancy": statistics.mean(s.occupancy for s in sims),
    }
