"""``kefu staffing`` commands."""

from __future__ import annotations

import json

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
