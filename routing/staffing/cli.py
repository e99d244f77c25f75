"""``kefu staffing`` commands."""

from __future__ import annotations

import click


@click.group()
def staffing() -> None:
    """Erlang staffing, arrival forecasts and shift plans."""
