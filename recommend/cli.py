"""``kefu recommend`` commands."""

from __future__ import annotations

import click


@click.group()
def recommend() -> None:
    """Train, evaluate and query recommenders."""
