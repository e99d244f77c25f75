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
@click.option("--tick-seconds", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="Period of the router's loop (the server's is 1 s); coarser runs faster.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def simulate(policy: str, agents: int, seed: int, volume: float, config_path: str | None,
             tick_seconds: float, as_json: bool) -> None:
    """Simulate a contact-centre day through the router; report waits per customer class."""
    from crm_core.errors import KefuError
    from routing.config import load_config
    from routing.simulation import run

    try:
        config = load_config(config_path)
    except KefuError as exc:
        raise click.UsageError(exc.message) from exc
    report = run(policy, agents, seed, daily_volume=volume, config=config,
                 tick_seconds=tick_seconds)
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"policy={policy} agents={agents} seed={seed} contacts={report['contacts']} "
               f"service level ({report['service_level_seconds']:.0f}s)="
               f"{report['service_level']:.1%}")
    click.echo(f"{'class':<8} {'count':>6} {'p50 s':>8} {'p90 s':>8}")
    for name, row in report["classes"].items():
        click.echo(f"{name:<8} {row['count']:>6} {row['wait_p50']:>8.1f} {row['wait_p90']:>8.1f}")


@routing.command()
@click.option("--redis-url", default=None, help="Redis of the queue (default KEFU_REDIS_URL).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue(redis_url: str | None, limit: int, as_json: bool) -> None:
    """Show the shared (Redis) queue in serving order, with agents' load and SLA breaches."""
    import asyncio

    from bot.settings import Settings
    from routing.config import load_config
    from routing.redis_store import RedisStore
    from routing.router import Router

    url = redis_url or Settings().redis_url
    if not url:
        raise click.UsageError("the in-process queue lives inside the server; set "
                               "KEFU_REDIS_URL (or --redis-url), or see /console/api/supervisor")

    async def snapshot() -> dict:
        store = RedisStore(url)
        try:
            snap = await Router(store, load_config()).snapshot()
        finally:
            await store.close()
        from routing.priority import priority_score
        weights = load_config().priority
        return {
            "queue_length": len(snap.waiting), "offered": len(snap.offered),
            "assigned": len(snap.assigned), "longest_wait_seconds": round(snap.longest_wait(), 1),
            "sla_breaches": [t.task_id for t in snap.sla_breaches],
            "waiting": [{"task_id": t.task_id, "tier": t.task.tier, "channel": t.task.channel,
                         "language": t.task.language, "topic": t.task.topic,
                         "waited_seconds": round(snap.now - t.task.enqueued_at, 1),
                         "priority": round(priority_score(t.task, snap.now, weights), 1)}
                        for t in snap.waiting[:limit]],
            "agents": [{"agent_id": a.agent_id, "name": a.profile.name,
                        "presence": a.presence.value, "load": a.load} for a in snap.agents],
        }

    try:
        data = asyncio.run(snapshot())
    except OSError as exc:
        raise click.ClickException(f"cannot reach Redis at {url}: {exc}") from exc
    if as_json:
        click.echo(json.dumps(data))
        return
    click.echo(f"waiting {data['queue_length']}, offered {data['offered']}, in conversation "
               f"{data['assigned']}, longest wait {data['longest_wait_seconds']:.0f}s, "
               f"SLA breaches {len(data['sla_breaches'])}")
    for row in data["waiting"]:
        click.echo(f"  {row['task_id']:<20} {row['tier']:<8} {row['channel']:<6} "
                   f"{row['language']:<3} {str(row['topic']):<10} {row['waited_seconds']:>7.0f}s "
                   f"prio {row['priority']:.1f}")
    for agent in data["agents"]:
        click.echo(f"  agent {agent['agent_id']} {agent['name']}: {agent['presence']} "
                   f"{agent['load']}")
