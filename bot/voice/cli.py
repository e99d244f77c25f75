"""``kefu voice`` commands."""

from __future__ import annotations

import click


@click.group()
def voice() -> None:
    """Speech-to-text and text-to-speech."""
