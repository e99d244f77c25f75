"""``kefu db``, ``kefu demo`` and ``kefu import`` commands."""

from __future__ import annotations

import asyncio

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
    from crm_core.schema import upgrade as run_upgrade

    settings = _settings()
    reached = asyncio.run(run_upgrade(settings.database_url, revision))
    click.echo(f"database at revision {reached}")


@db.command()
def current() -> None:
    """Print the database's revision and whether it is at head."""
    from crm_core.schema import current_revision, head_revision

    settings = _settings()
    at, head = asyncio.run(current_revision(settings.database_url)), head_revision()
    state = "up to date" if at == head else "out of date: run `kefu db upgrade`"
    click.echo(f"current: {at or '(empty)'}  head: {head}  ({state})")


@click.group()
def demo() -> None:
    """Demo data."""


@click.group(name="import")
def import_() -> None:
    """Import real data into the CRM."""
