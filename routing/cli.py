"""``kefu routing`` commands."""

from __future__ import annotations

import json

import click


@click.group()
def routing() -> None:
    """The human-agent queue: simulate and inspect."""


@routing.command()
@click.option("--policy", type=click.Choice(["fifo", "kefu"]), default="kefu", show_default=True,
              help="Order in which waiting customers are served.")
@click.option("--agents", type=click.IntRange(1, 2000), default=20, show_default=True,
              help="Agents on shift all day (2 chats + 1 call each).")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed of the day.")
@click.option("--volume", type=click.FloatRange(1, 1_000_000), default=3200.0, show_default=True,
              help="Expected contacts over the 12-hour day.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Routing config (default config/routing.yml).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def simulate(policy: str, agents: int, seed: int, volume: float, config_path: str | None,
             as_json: bool) -> None:
    """Simulate a contact-centre day through the router; report waits per customer class."""
    from crm_core.errors import KefuError
    from routing.config import load_config
    from routing.simulation import run

    try:
        config = load_config(config_path)
    except KefuError as exc:
        raise click.UsageError(exc.message) from exc
    report = run(policy, agents, seed, daily_volume=volume, config=config)
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"policy={policy} agents={agents} seed={seed} contacts={report['contacts']} "
               f"service level ({report['service_level_seconds']:.0f}s)="
               f"{report['service_level']:.1%}")
    click.echo(f"{'class':<8} {'count':>6} {'p50 s':>8} {'p90 s':>8}")
    for name, row in report["classes"].items():
        click.echo(f"{name:<8} {row['count']:>6} {row['wait_p50']:>8.1f} {row['wait_p90']:>8.1f}")
