"""``RecommendationService``: the one API the bot, the console and the REST layer call.

    service = request.app[keys.RECOMMENDER]
    await service.for_customer(customer_id, k=5)     # "what would you recommend?"
    await service.for_basket([product_id, ...], k=5)  # "goes well with your basket"
    await service.similar_to(product_id, k=5)         # "anything like the lantern?"

Each returns a list of :class:`~recommend.ranking.Recommendation` (product id, name,
score, explanation, reason), excluding out-of-stock products and products the customer
already has unless the catalogue marks them re-buyable. Purchase data comes through a
:class:`PurchaseSource` (the CRM in production, an in-memory one in tests and benches).
Models are swapped whole (``install``), so retraining never interrupts serving.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from crm_core.errors import InvalidInput, NotFound
from recommend.artifact import Artifact, ArtifactMeta, current_version, load, save
from recommend.data import PurchaseLog
from recommend.ranking import Catalogue, CustomerHistory, Ranker, Recommendation

log = logging.getLogger(__name__)

MAX_K = 50


class PurchaseSource(Protocol):
    """Where purchases and catalogue facts come from (the CRM, or a fake in tests)."""

    async def customer_history(self, customer_id: int | str) -> CustomerHistory | None:
        """The customer's purchases, or None when there is no such customer."""
        ...

    async def catalogue(self) -> Catalogue:
        """Current products: names, stock, re-buyable flags."""
        ...

    async def purchase_log(self) -> PurchaseLog:
        """Every purchase line, for training."""
        ...


class RecommendationService:
    """Recommendations for customers, baskets and products, from the installed model."""

    def __init__(self, source: PurchaseSource, artifact: Artifact | None = None, *,
                 catalogue_ttl: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._ranker: Ranker | None = Ranker(artifact) if artifact is not None else None
        self._catalogue_ttl = catalogue_ttl
        self._clock = clock
        self._catalogue: tuple[float, Catalogue] | None = None
        self._retrain_lock = asyncio.Lock()

    # -- model management --------------------------------------------------------------
    @property
    def model_info(self) -> ArtifactMeta | None:
        """Meta of the installed model (None when serving nothing yet)."""
        ranker = self._ranker
        return ranker.artifact.meta if ranker else None

    def install(self, artifact: Artifact) -> None:
        """Serve ``artifact`` from now on. One reference assignment: requests in flight
        finish on the ranker they started with."""
        self._ranker = Ranker(artifact)
        log.info("recommender %s version %s installed", artifact.meta.model,
                 artifact.meta.version)

    async def reload_if_changed(self, directory: str | Path) -> bool:
        """Install ``directory/current.npz`` if its version differs from the served one."""
        version = current_version(directory)
        info = self.model_info
        if version is None or (info is not None and info.version == version):
            return False
        artifact = await asyncio.to_thread(load, directory)
        self.install(artifact)
        return True

    async def retrain(self, directory: str | Path | None = None, *, model: str | None = None,
                      params: dict[str, Any] | None = None) -> ArtifactMeta:
        """Train on the source's purchases off the event loop, save (if ``directory``)
        and install. Concurrent calls queue rather than train twice at once."""
        from recommend.models.registry import DEFAULT_MODEL
        from recommend.training import train

        async with self._retrain_lock:
            purchases = await self._source.purchase_log()
            if len(purchases) == 0:
                raise InvalidInput("no purchases to train on")
            name = model or (self.model_info.model if self.model_info else DEFAULT_MODEL)
            artifact = await asyncio.to_thread(train, purchases, name, params)
            if directory is not None:
                await asyncio.to_thread(save, artifact, directory)
            self.install(artifact)
            return artifact.meta

    # -- queries -----------------------------------------------------------------------
    async def for_customer(self, customer_id: int | str, k: int = 5) -> list[Recommendation]:
        """Top ``k`` for a customer ("because you bought X", or popular in their country)."""
        _check_k(k)
        ranker = self._ranker
        history = await self._source.customer_history(customer_id)
        if history is None:
            raise NotFound(f"customer {customer_id} not found",
                           details={"customer_id": customer_id})
        if ranker is None:
            return []
        return ranker.for_history(history, await self._fresh_catalogue(), k)

    async def for_basket(self, product_ids: list[int | str], k: int = 5, *,
                         customer_id: int | str | None = None) -> list[Recommendation]:
        """Top ``k`` to go with a basket; past purchases excluded when ``customer_id``."""
        _check_k(k)
        if not isinstance(product_ids, list | tuple):
            raise InvalidInput("product_ids must be a list", details={"field": "product_ids"})
        ranker = self._ranker
        history = None
        if customer_id is not None:
            history = await self._source.customer_history(customer_id)
        if ranker is None:
            return []
        return ranker.for_basket([str(p) for p in product_ids], await self._fresh_catalogue(),
                                 k, history)

    async def similar_to(self, product_id: int | str, k: int = 5) -> list[Recommendation]:
        """Products most often bought by the buyers of ``product_id``."""
        _check_k(k)
        catalogue = await self._fresh_catalogue()
        if str(product_id) not in catalogue.items:
            raise NotFound(f"product {product_id} not found", details={"product_id": product_id})
        ranker = self._ranker
        if ranker is None:
            return []
        return ranker.similar_to(str(product_id), catalogue, k)

    async def _fresh_catalogue(self) -> Catalogue:
        """The catalogue snapshot, re-read at most every ``catalogue_ttl`` seconds."""
        now = self._clock()
        cached = self._catalogue
        if cached is None or now - cached[0] > self._catalogue_ttl:
            cached = (now, await self._source.catalogue())
            self._catalogue = cached
        return cached[1]


def _check_k(k: int) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be an integer between 1 and {MAX_K}",
                           details={"field": "k", "value": k})
