"""``kefu db``, ``kefu demo`` and ``kefu import`` commands."""

from __future__ import annotations

import click


@click.group()
def db() -> None:
    """Database schema: migrate and inspect."""


@click.group()
def demo() -> None:
    """Demo data."""


@click.group(name="import")
def import_() -> None:
    """Import real data into the CRM."""
