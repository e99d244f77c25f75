"""``kefu routing`` commands."""

from __future__ import annotations

import click


@click.group()
def routing() -> None:
    """The human-agent queue: simulate and inspect."""
