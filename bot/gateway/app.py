"""The composition root: ``create_app(settings)`` builds kefu's whole web application.

Nothing heavy happens at import time. Each shared resource is opened and closed by one
``cleanup_ctx`` generator and stored under a typed key from ``keys.py``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.gateway import keys
from bot.gateway.api import setup_api
from bot.gateway.errors import error_middleware, setup_errors
from bot.gateway.edge import edge_middleware
from bot.gateway.ratelimit import setup_rate_limits
from bot.settings import Settings

log = logging.getLogger(__name__)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the CRM database engine for the app's lifetime."""
    from crm_core.crypto import configure
    from crm_core.db import create_engine, create_session_factory

    settings = app[keys.SETTINGS]
    if settings.pii_keys is not None:  # else the CLI (or the dev key file) configured it
        configure(settings.pii_keyring())
    engine = create_engine(settings.database_url)
    app[keys.DB_ENGINE] = engine
    app[keys.SESSION_FACTORY] = create_session_factory(engine)
    yield
    await engine.dispose()


async def nlu_ctx(app: web.Application) -> AsyncIterator[None]:
    """Load the NLU interpreter from data_dir/models/nlu, training it first if absent."""
    import asyncio

    from bot.nlu import load_interpreter, train

    settings = app[keys.SETTINGS]
    model_dir = settings.data_dir / "models" / "nlu"
    loop = asyncio.get_running_loop()
    if not (model_dir / "metadata.json").is_file():
        nlu_config = settings.config_dir / "nlu"
        log.info("no NLU model at %s: training one from %s (takes a few seconds)",
                 model_dir, nlu_config)
        data, config = nlu_config / "data", nlu_config / "config.yml"
        # A config_dir without NLU files falls back to kefu's shipped data and pipeline.
        await loop.run_in_executor(None, lambda: train(
            [data] if data.exists() else None, config if config.is_file() else None, model_dir))
    interpreter = await loop.run_in_executor(None, load_interpreter, model_dir)
    if keys.SESSION_FACTORY in app:  # product names and categories as lookup tables
        from bot.nlu.crm_lookups import feed_crm_lookups

        await feed_crm_lookups(interpreter, app[keys.SESSION_FACTORY])
    app[keys.INTERPRETER] = interpreter
    worker = None
    if settings.nlu_worker:
        from bot.nlu.worker import NluWorker

        worker = NluWorker(model_dir, interpreter)
        await worker.start()
        app[keys.NLU_WORKER] = worker
    yield
    if worker is not None:
        await worker.close()


async def health(request: web.Request) -> web.Response:
    """Liveness probe."""
    return web.json_response({"status": "ok"})


def create_app(settings: Settings) -> web.Application:
    """Build the aiohttp application for these settings."""
    # The body limit bounds every request; channels apply their own, tighter message limits.
    app = web.Application(middlewares=[error_middleware, edge_middleware],
                          client_max_size=8 * 1024 * 1024)
    app[keys.SETTINGS] = settings
    setup_errors(app)  # errors after a WebSocket upgrade close it instead (errors.py)
    setup_rate_limits(app)  # per-client limits (bot/gateway/ratelimit.py)
    from bot.gateway.headers import setup_security_headers

    setup_security_headers(app)  # CSP, nosniff, Referrer-Policy on every response
    app.cleanup_ctx.append(database_ctx)
    from recommend.server import recommender_ctx

    app.cleanup_ctx.append(recommender_ctx)  # recommend/: saved model, else popularity
    app.cleanup_ctx.append(nlu_ctx)
    app.router.add_get("/health", health)
    setup_api(app)  # REST API /api/v1, /api/openapi.json, /api/docs
    from bot.dialogue.setup import setup_dialogue
    from bot.gateway.channels.setup import setup_channels

    from bot.knowledge.setup import setup_knowledge

    setup_knowledge(app)  # help-center index at keys.KNOWLEDGE (bot/knowledge)
    setup_dialogue(app)  # dialogue engine at keys.MESSAGE_HANDLER
    setup_channels(app)  # Rasa REST + socket.io, /ws/chat, web chat page at /
    from bot.gateway.help.setup import setup_help

    setup_help(app)  # public help center at /help (bot/gateway/help)
    from bot.voice.setup import setup_voice

    setup_voice(app)  # /voice/turn, /voice/twilio, AudioSocket server (bot/voice)
    from bot.gateway.console.setup import setup_console

    setup_console(app)  # routing queue at keys.HANDOFF_SINK, agent console at /console
    return app
