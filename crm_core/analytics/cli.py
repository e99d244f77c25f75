"""``kefu analytics`` commands: refresh, churn-eval, clv-eval, segments, report."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click


def _settings():  # noqa: ANN202 - bot.settings.Settings; imported lazily
    from bot.cli import load_settings

    return load_settings()


def _config(settings: Any) -> Any:
    from crm_core.analytics.settings import load_config

    return load_config(settings.config_dir)


def _run(coro: Any) -> Any:
    """Run a coroutine; KefuError becomes a clean one-line CLI error (exit 1)."""
    from crm_core.errors import KefuError

    try:
        return asyncio.run(coro)
    except KefuError as exc:
        raise click.ClickException(exc.message) from None


async def _with_engine(settings: Any, fn: Any) -> Any:
    from crm_core.db import create_engine
    from crm_core.schema import ensure_current

    await ensure_current(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        return await fn(engine)
    finally:
        await engine.dispose()


async def _activity(engine: Any, config: Any) -> Any:
    from crm_core.analytics.data import load_activity

    async with engine.connect() as conn:
        return await load_activity(conn, config.rfm.excluded_statuses)


def _records(frame: Any) -> list[dict[str, Any]]:
    """Rows as dicts with NaN as null (strict JSON has no NaN)."""
    import pandas as pd

    return [{k: (None if pd.isna(v) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


@click.group()
def analytics() -> None:
    """Customer and service analytics."""


_AS_OF = click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                      help="Compute as of the end of this day, UTC (default: the latest "
                           "order).")


def _end_of_day(day: datetime | None) -> datetime | None:
    if day is None:
        return None
    return day.replace(tzinfo=UTC) + timedelta(days=1, microseconds=-1)


@analytics.command()
@_AS_OF
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def refresh(as_of: datetime | None, as_json: bool) -> None:
    """Recompute RFM, lifetime value, churn risk and clusters for every customer."""
    from crm_core.analytics.refresh import refresh as run

    settings = _settings()
    config = _config(settings)
    model_dir = Path(settings.data_dir) / "models" / "analytics"
    report = _run(_with_engine(settings, lambda e: run(
        e, config, as_of=_end_of_day(as_of), model_dir=model_dir)))
    if as_json:
        click.echo(json.dumps({
            "customers": report.customers, "as_of": report.as_of, "seconds": report.seconds,
            "segments": _records(report.segments.reset_index()),
            "clusters": report.clusters, "k": report.cluster_k,
            "silhouettes": report.silhouettes, "notes": report.notes}, default=float,
            allow_nan=False))
        return
    click.echo(f"{report.customers:,} customers as of {report.as_of}; "
               f"took {report.seconds.get('total', 0):.1f} s "
               f"({', '.join(f'{k} {v:.1f}' for k, v in report.seconds.items() if k != 'total')})")
    click.echo("\nRFM segments:\n" + report.segments.round(3).to_string())
    if report.clusters:
        sil = ", ".join(f"k={k}: {v:.3f}" for k, v in report.silhouettes.items())
        click.echo(f"\nClusters (k={report.cluster_k}, best silhouette of {sil}):")
        for c in report.clusters:
            click.echo(f"  {c['cluster']}: {c['customers']:,} customers "
                       f"({c['share']:.0%}), {c['description']}; median recency "
                       f"{c['median_recency_days']:.0f} d, {c['median_frequency']:.0f} orders, "
                       f"spend {c['median_monetary']:,.2f}; {c['revenue_share']:.0%} of revenue")
    for note in report.notes:
        click.echo(f"note: {note}")


@analytics.command()
@click.argument("customer_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def customer(customer_id: int, as_json: bool) -> None:
    """One customer's segment, value, churn risk and why (as the console shows them)."""
    from crm_core.analytics.insight import customer_insight
    from crm_core.db import create_session_factory
    from crm_core.unit_of_work import SqlUnitOfWork

    settings = _settings()
    insight = _run(_with_engine(settings, lambda e: customer_insight(
        SqlUnitOfWork(create_session_factory(e)), customer_id)))
    data = insight.as_dict()
    if as_json:
        click.echo(json.dumps(data))
        return
    reasons = data.pop("churn_reasons")
    for key, value in data.items():
        click.echo(f"{key:>15}: {'-' if value is None else value}")
    for reason in reasons:
        click.echo(f"{'why':>15}: {reason}")


@analytics.command(name="churn-eval")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--estimator", type=click.Choice(["logistic", "hgb"]), default="logistic",
              show_default=True)
def churn_eval(as_json: bool, estimator: str) -> None:
    """Churn model ROC-AUC on a time split vs a recency-only baseline."""
    from crm_core.analytics import churn

    settings = _settings()
    config = _config(settings)

    async def go(engine: Any) -> Any:
        activity = await _activity(engine, config)
        if activity.end is None:
            from crm_core.errors import RuleViolation
            raise RuleViolation("no orders: nothing to evaluate")
        return churn.evaluate(activity, activity.end, config.churn,
                              churn.ChurnClassifier(estimator=estimator))

    result = _run(_with_engine(settings, go))
    if as_json:
        click.echo(json.dumps(result.as_dict()))
        return
    for k, v in result.as_dict().items():
        click.echo(f"{k:>18}: {v}")


@analytics.command(name="clv-eval")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--holdout-days", type=click.IntRange(1, 3650), default=None,
              help="Holdout length (default from config).")
def clv_eval(as_json: bool, holdout_days: int | None) -> None:
    """Lifetime-value error (MAE, Spearman) on a time split vs a spend-rate baseline."""
    from crm_core.analytics import clv

    settings = _settings()
    config = _config(settings)

    async def go(engine: Any) -> Any:
        activity = await _activity(engine, config)
        if activity.end is None:
            from crm_core.errors import RuleViolation
            raise RuleViolation("no orders: nothing to evaluate")
        return clv.evaluate(activity.orders, activity.end,
                            holdout_days or config.clv.eval_holdout_days, config.clv.penalizer)

    result = _run(_with_engine(settings, go))
    if as_json:
        click.echo(json.dumps(result.as_dict()))
        return
    for k, v in result.as_dict().items():
        click.echo(f"{k:>18}: {v}")


@analytics.command()
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (UTC), inclusive.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day (UTC), inclusive.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True)
@click.option("--by", type=click.Choice(["all", "total", "day", "channel", "agent", "team"]),
              default="all", show_default=True, help="Which rows to print (table/csv).")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a PNG chart of the daily figures here.")
def report(start: datetime | None, end: datetime | None, fmt: str, by: str,
           chart: Path | None) -> None:
    """Service report: conversations, containment, handoffs, response/resolution times,
    SLA attainment, CSAT; in total and per day, channel, agent and team."""
    from sqlalchemy.ext.asyncio import AsyncEngine

    from crm_core.analytics.service import save_chart, service_report

    settings = _settings()
    config = _config(settings)
    d0: date | None = start.date() if start else None
    d1: date | None = end.date() if end else None

    async def go(engine: AsyncEngine) -> Any:
        async with engine.connect() as conn:
            return await service_report(conn, d0, d1,
                                        satisfied_at_least=config.service.satisfied_at_least)

    result = _run(_with_engine(settings, go))
    if chart:
        save_chart(result, chart)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict()))
        return
    frame = result.frame()
    if by != "all":
        frame = frame[frame["dimension"] == by]
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
        return
    click.echo(frame.set_index(["dimension", "key"]).to_string(na_rep="-"))
    if result.handoff_reasons:
        click.echo("\nHandoff reasons:")
        for reason, n in result.handoff_reasons.items():
            click.echo(f"  {n:>6}  {reason}")
    if chart:
        click.echo(f"\nchart written to {chart}")
