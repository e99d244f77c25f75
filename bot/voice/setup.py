"""Wires voice into the app: engines in a cleanup_ctx, routes, the AudioSocket server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.gateway import keys
from bot.settings import Settings
from bot.voice.registry import VoiceConfig, make_stt, make_tts

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
MAX_PRODUCTS = 500  # the domain model stays small: the best-known products are enough


def voice_config(settings: Settings, products: tuple[str, ...] = ()) -> VoiceConfig:
    """Engine settings taken from Settings once."""
    return VoiceConfig(
        data_dir=settings.data_dir, nlu_dir=settings.config_dir / "nlu", products=products,
        stt_timeout=settings.voice_stt_timeout, tts_timeout=settings.voice_tts_timeout,
        tts_budget=settings.voice_tts_budget, gtts_endpoint=settings.voice_gtts_endpoint,
        decoders=settings.voice_decoders,
        whisper_model_dir=settings.voice_whisper_model_dir, stt_threads=settings.voice_stt_threads,
    )


async def product_names(app: web.Application) -> tuple[str, ...]:
    """Active product names from the CRM (empty when the database is not ready)."""
    from sqlalchemy import select

    from crm_core.models.customers import Product

    factory = app.get(keys.SESSION_FACTORY)
    if factory is None:
        return ()
    try:
        async with factory() as session:
            rows = await session.scalars(
                select(Product.name).where(Product.active.is_(True)).limit(MAX_PRODUCTS))
            return tuple(rows)
    except Exception as exc:  # noqa: BLE001 - a fresh database has no tables yet
        log.info("voice: no CRM product vocabulary (%s)", type(exc).__name__)
        return ()


async def voice_ctx(app: web.Application) -> AsyncIterator[None]:
    """Build the speech engines once per worker and warm the recogniser."""
    from bot.voice.service import VoiceService

    settings = app[keys.SETTINGS]
    config = voice_config(settings, await product_names(app))
    stt = make_stt(settings.voice_stt_engine, config)
    tts = make_tts(settings.voice_tts_engine, config)
    warm = getattr(stt, "warm", None) or getattr(getattr(stt, "fallback", None), "warm", None)
    if warm is not None:
        await asyncio.to_thread(warm)
    app[keys.VOICE] = VoiceService(
        stt, tts, lambda: _handler(app), max_seconds=settings.voice_max_seconds)
    yield


def _handler(app: web.Application):  # noqa: ANN202
    from crm_core.errors import ServiceUnavailable

    handler = app.get(keys.MESSAGE_HANDLER)
    if handler is None:
        raise ServiceUnavailable("the message pipeline is not running")
    return handler


async def audiosocket_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the Asterisk AudioSocket server while the app runs (when a port is configured)."""
    from bot.voice.audiosocket import AudioSocketServer

    settings = app[keys.SETTINGS]
    if settings.audiosocket_port is None:
        yield
        return
    server = AudioSocketServer(app[keys.VOICE])
    await server.start(settings.audiosocket_host, settings.audiosocket_port)
    app[keys.AUDIOSOCKET] = server
    log.info("AudioSocket listening on %s:%s", settings.audiosocket_host, server.port)
    yield
    await server.close()


def setup_voice(app: web.Application) -> None:
    """Add /voice/turn, /voice/twilio, /voice/static/ and the voice resources to ``app``."""
    from bot.voice import http, twilio

    app.cleanup_ctx.append(voice_ctx)
    app.cleanup_ctx.append(audiosocket_ctx)
    app.router.add_post("/voice/turn", http.turn)
    app.router.add_post("/voice/twilio", twilio.webhook)
    app.router.add_static("/voice/static/", STATIC_DIR)
