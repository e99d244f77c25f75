"""Run the gateway: check the schema, make sure a secret exists, serve, print the URL."""

from __future__ import annotations

import gc
import logging
import os
import secrets
import sys
from pathlib import Path

from aiohttp import web
from pydantic import SecretStr

from bot.gateway.app import create_app
from bot.settings import Settings

log = logging.getLogger(__name__)


# Full collections a tenth as often as CPython's default (threshold2 = 10): each one walks
# every tracked object, and a busy server's heap (cached trackers of a thousand
# conversations) made them 100-400 ms pauses of every turn in flight, several a minute.
FULL_GC_EVERY = 100


async def settle_gc(app: web.Application) -> None:
    """After start-up (append last to ``on_startup``): what is loaded by now (the NLU model,
    code, configuration) lives as long as the process, so ``gc.freeze()`` takes it out of
    every later collection; full collections then run less often (``FULL_GC_EVERY``)."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_GC_EVERY)
    log.debug("gc: %d objects frozen after start-up", gc.get_freeze_count())


def ensure_secret(settings: Settings) -> Settings:
    """Settings with a secret key: the configured one, or one kept in data_dir/secret.key."""
    if settings.secret_key is not None:
        return settings
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # created 0600 in one step: never readable by others, not even for a moment
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            log.warning("no KEFU_SECRET_KEY set; created a random one in %s", path)
    return settings.model_copy(update={"secret_key": SecretStr(path.read_text().strip())})


def check_schema(settings: Settings) -> None:
    """Refuse to start on an empty or outdated database: print what fixes it, exit 1."""
    import asyncio

    from crm_core.errors import ServiceUnavailable
    from crm_core.schema import ensure_current

    try:
        asyncio.run(ensure_current(settings.database_url))
    except ServiceUnavailable as exc:
        print(f"kefu cannot start: {exc.message}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def check_actions(settings: Settings) -> None:
    """Refuse to start when ``KEFU_ACTION_PACKAGES`` names a module without actions."""
    from bot.dialogue.team_actions import ActionPackageError, load_action_packages

    try:
        load_action_packages(settings.action_packages)
    except ActionPackageError as exc:
        print(f"kefu cannot start: {exc.message}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def run(settings: Settings) -> None:
    """Check the schema and the team's actions, then serve until interrupted."""
    check_schema(settings)
    check_actions(settings)
    settings = ensure_secret(settings)
    app = create_app(settings)
    app.on_startup.append(settle_gc)
    url = f"http://{settings.host}:{settings.port}/"
    web.run_app(
        app, host=settings.host, port=settings.port, print=lambda _: print(
            f"kefu is running at {url}  (API docs: {url}api/docs, agent console: {url}console)",
            flush=True,
        ),
    )
