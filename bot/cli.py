"""The ``kefu`` command. Each package adds its own group; heavy imports stay inside commands."""

from __future__ import annotations

import logging
import sys

import click

from bot.settings import Settings


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with command-line overrides; exits cleanly on errors."""
    from pydantic import ValidationError

    from crm_core.crypto import PiiKeyError, configure

    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
        configure(settings.pii_keyring())
    except ValidationError as exc:
        raise click.UsageError(f"invalid settings:\n{exc}") from exc
    except PiiKeyError as exc:
        raise click.UsageError(f"invalid settings: {exc}") from exc
    return settings


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """kefu: customer service with a bot, a CRM and a smart queue to human agents."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default from settings).")
@click.option("--port", type=int, default=None, help="Port to listen on (default from settings).")
def serve(host: str | None, port: int | None) -> None:
    """Run the server: web chat, channels, REST API and agent console."""
    from bot.gateway.serve import run

    run(load_settings(host=host, port=port))


def _register_groups() -> None:
    from bot.knowledge.cli import kb
    from bot.nlu.cli import nlu
    from bot.voice.cli import voice
    from crm_core.analytics.cli import analytics
    from crm_core.cli import customers, db, demo, import_
    from recommend.cli import recommend
    from routing.cli import routing
    from routing.staffing.cli import staffing

    for group in (db, demo, import_, customers, nlu, voice, analytics, recommend, routing, staffing,
                  kb):
        main.add_command(group)


_register_groups()
