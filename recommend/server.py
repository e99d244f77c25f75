"""Wiring the recommender into the running server (used by ``bot/gateway/app.py``).

At start-up the saved artifact is loaded if there is one; otherwise a popularity model is
fitted from the CRM's orders; if even that fails (empty or unmigrated database) the service
serves nothing rather than stopping the server. A background task installs a newer
artifact as soon as ``kefu recommend train`` writes one: retraining never needs a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from recommend.artifact import artifact_dir, load
from recommend.service import PurchaseSource, RecommendationService

log = logging.getLogger(__name__)

RELOAD_SECONDS = 60.0


async def load_service(source: PurchaseSource, data_dir: str | Path) -> RecommendationService:
    """A service with the saved model, else popularity from the source, else nothing."""
    directory = artifact_dir(data_dir)
    if (directory / "current.npz").is_file():
        try:
            return RecommendationService(source, await asyncio.to_thread(load, directory))
        except Exception:  # noqa: BLE001 - a bad artifact must not stop the server
            log.exception("could not load recommender artifact from %s", directory)
    service = RecommendationService(source)
    try:
        purchases = await source.purchase_log()
        if len(purchases):
            from recommend.training import train

            service.install(await asyncio.to_thread(
                train, purchases, "kefu.popularity.v1", None, source="crm-startup"))
    except Exception:  # noqa: BLE001 - no orders table yet, database down, ...
        log.warning("recommender: no artifact and no purchases readable; serving nothing",
                    exc_info=True)
    return service


async def _watch(service: RecommendationService, directory: Path, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await service.reload_if_changed(directory)
        except Exception:  # noqa: BLE001 - keep serving the model we have
            log.exception("recommender: reloading %s failed", directory)


async def recommender_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: open the recommendation service and watch for new artifacts."""
    from bot.gateway import keys
    from recommend.crm_source import CrmPurchaseSource

    settings = app[keys.SETTINGS]
    source = CrmPurchaseSource(app[keys.SESSION_FACTORY])
    service = await load_service(source, settings.data_dir)
    app[keys.RECOMMENDER] = service
    watcher = asyncio.create_task(_watch(service, artifact_dir(settings.data_dir),
                                         RELOAD_SECONDS))
    yield
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
