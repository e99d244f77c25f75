"""``kefu db``, ``kefu demo`` and ``kefu import`` commands."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click


def _settings():  # noqa: ANN202 - bot.settings.Settings; imported lazily
    from bot.cli import load_settings

    return load_settings()


@click.group()
def db() -> None:
    """Database schema: migrate and inspect."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Migrate the database named by KEFU_DATABASE_URL (default: the embedded SQLite file)."""
    from crm_core.errors import KefuError
    from crm_core.schema import upgrade as run_upgrade

    settings = _settings()
    try:
        reached = asyncio.run(run_upgrade(settings.database_url, revision))
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"database at revision {reached}")


@db.command()
def current() -> None:
    """Print the database's revision and whether it is at head."""
    from crm_core.errors import KefuError
    from crm_core.schema import current_revision, head_revision

    settings = _settings()
    try:
        at, head = asyncio.run(current_revision(settings.database_url)), head_revision()
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    state = "up to date" if at == head else "out of date: run `kefu db upgrade`"
    click.echo(f"current: {at or '(empty)'}  head: {head}  ({state})")


@db.command(name="rotate-key")
def rotate_key() -> None:
    """Re-encrypt all PII with the active key (the first of KEFU_PII_KEYS) and refresh the
    blind indexes; afterwards older keys can be removed from KEFU_PII_KEYS."""
    from crm_core.crypto import PiiKeyError
    from crm_core.errors import KefuError
    from crm_core.pii import rotate_key as run_rotate

    settings = _settings()
    try:
        r = asyncio.run(run_rotate(settings.database_url))
    except (KefuError, PiiKeyError) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from None
    from crm_core.crypto import get_keyring

    before = ", ".join(f"{k}: {n:,}" for k, n in sorted(r.key_ids_before.items())) or "none"
    click.echo(f"re-encrypted {r.customers:,} customers and {r.orders:,} order addresses "
               f"with key {get_keyring().active_id} (values by key before: {before})")


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the CRM already has customers.")
@click.option("--seed", default=42, show_default=True, help="Random seed (same seed, same data).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date the 18 months of history end on (default: today, UTC).")
def seed(if_empty: bool, seed: int, today: object) -> None:
    """Load the deterministic demo data set (customers, orders, tickets, agents)."""
    from datetime import UTC, datetime

    from crm_core.demo.seed import seed_demo
    from crm_core.errors import KefuError
    from crm_core.policies import load_policy

    settings = _settings()
    now = today.replace(hour=18, tzinfo=UTC) if isinstance(today, datetime) else None
    try:
        report = asyncio.run(seed_demo(settings.database_url, load_policy(settings.config_dir),
                                       settings.data_dir, seed=seed, if_empty=if_empty, now=now))
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    if report.skipped:
        click.echo(f"demo seed skipped: the CRM already has {report.counts['customers']} customers")
        return
    click.echo("loaded " + ", ".join(f"{n:,} {t}" for t, n in report.counts.items())
               + f" in {report.seconds:.1f} s")
    click.echo("\nAgent console logins (random passwords, also in "
               f"{report.credentials_path}, mode 600):")
    for agent in report.agents:
        click.echo(f"  {agent['role']:<10} {agent['email']:<36} {agent['password']}")
    click.echo("\nCustomers to try the bot with:")
    for c in report.customers:
        click.echo(f"  {c['name']} <{c['email']}>  order {c['order']} ({c['status']}): {c['try']}")


@click.group(name="import")
def import_() -> None:
    """Import real data into the CRM."""


@import_.command(name="online-retail")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-progress", is_flag=True, help="No progress bars (for logs).")
@click.option("--show-bad", default=20, show_default=True, help="Bad rows to list.")
def online_retail(path: object, no_progress: bool, show_bad: int) -> None:
    """Import the UCI Online Retail CSV (gzip accepted); a second run adds nothing."""
    from crm_core.errors import KefuError
    from crm_core.importers.online_retail import import_online_retail

    settings = _settings()
    try:
        r = asyncio.run(import_online_retail(settings.database_url, path,
                                             show_progress=not no_progress))
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    for line, reason in r.bad_rows[:show_bad]:
        click.echo(f"  bad row at line {line}: {reason}")
    if len(r.bad_rows) > show_bad:
        click.echo(f"  ... and {len(r.bad_rows) - show_bad} more bad rows")
    click.echo(
        f"read {r.rows:,} rows: added {r.customers_added:,} customers "
        f"({r.customers_existing:,} already there), {r.products_added:,} products, "
        f"{r.orders_added:,} orders with {r.lines_added:,} lines "
        f"({r.orders_existing:,} orders already there).\n"
        f"skipped: {len(r.bad_rows):,} bad rows, {r.guest_rows:,} guest rows without CustomerID "
        f"(products kept, no order), {r.credit_note_rows:,} credit-note rows (C invoices), "
        f"{r.adjustment_rows:,} stock adjustments (quantity <= 0 or price 0).")


@click.group()
def customers() -> None:
    """A customer's data: export it, erase it (both audited)."""


async def _with_uow(url: str, work):  # noqa: ANN001, ANN202
    from crm_core.db import create_engine, create_session_factory
    from crm_core.schema import ensure_current
    from crm_core.unit_of_work import SqlUnitOfWork

    await ensure_current(url)
    engine = create_engine(url)
    try:
        return await work(SqlUnitOfWork(create_session_factory(engine)))
    finally:
        await engine.dispose()


@customers.command()
@click.argument("customer_id", type=click.IntRange(min=1))
def export(customer_id: int) -> None:
    """Print everything kefu holds on customer CUSTOMER_ID as JSON (audited)."""
    import json

    from crm_core.errors import KefuError
    from crm_core.services.privacy import export_customer

    settings = _settings()
    try:
        data = asyncio.run(_with_uow(settings.database_url, lambda uow: export_customer(
            uow, customer_id, actor="cli")))
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@customers.command()
@click.argument("customer_id", type=click.IntRange(min=1))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(customer_id: int, yes: bool) -> None:
    """Erase customer CUSTOMER_ID's personal data everywhere (orders stay, without PII)."""
    from crm_core.errors import KefuError
    from crm_core.services.privacy import erase_customer

    settings = _settings()
    if not yes:
        click.confirm(f"Erase all personal data of customer {customer_id}? This cannot be "
                      "undone", abort=True)
    try:
        counts = asyncio.run(_with_uow(settings.database_url, lambda uow: erase_customer(
            uow, customer_id, actor="cli")))
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"erased customer {customer_id}: " + ", ".join(
        f"{n:,} {what}" for what, n in counts.items()))


@db.command(name="backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_cmd(path: Path) -> None:
    """Back the database up to PATH (SQLite online backup, or pg_dump); mode 600."""
    from crm_core.backup import backup
    from crm_core.errors import KefuError

    try:
        backup(_settings().database_url, path)
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"backup written to {path}")


@db.command(name="restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore_cmd(path: Path) -> None:
    """Replace the database with the backup at PATH (SQLite, or pg_restore)."""
    from crm_core.backup import restore
    from crm_core.errors import KefuError

    try:
        restore(_settings().database_url, path)
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"database restored from {path}")
