"""``kefu nlu`` commands."""

from __future__ import annotations

import click


@click.group()
def nlu() -> None:
    """Train, test and try the NLU pipeline."""
