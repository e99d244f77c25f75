"""``kefu analytics`` commands."""

from __future__ import annotations

import click


@click.group()
def analytics() -> None:
    """Customer and service analytics."""
