"""Training a servable artifact from a purchase log (from the CRM or from a file)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any


from recommend.artifact import Artifact, ArtifactMeta
from recommend.data import PurchaseLog, build_interactions
from recommend.feedback import DEFAULT_HALF_LIFE_DAYS
from recommend.models.popularity import Popularity
from recommend.models.registry import DEFAULT_MODEL, create


def train(
    log: PurchaseLog, model: str = DEFAULT_MODEL, params: dict[str, Any] | None = None, *,
    half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS, source: str = "crm",
) -> Artifact:
    """Fit the named model and the popularity fallback (per country and segment)."""
    interactions = build_interactions(log)
    groups = log.customer_groups(interactions.customers)
    estimator = create(model, **(params or {}))
    started = time.perf_counter()
    estimator.fit(interactions.matrix, groups=groups if groups.ndim == 1 else groups[:, 0])
    seconds = time.perf_counter() - started
    popularity = Popularity().fit(interactions.matrix, groups=groups)
    data_hash = log.content_hash()
    now = datetime.now(UTC)
    meta = ArtifactMeta(
        model=model, params=estimator.get_params(),
        version=f"{now:%Y%m%dT%H%M%S%fZ}-{data_hash[:8]}", data_hash=data_hash,
        trained_at=now.isoformat(), n_customers=len(interactions.customers),
        n_products=len(interactions.products), n_lines=len(log),
        half_life_days=half_life_days, train_seconds=round(seconds, 3), source=source,
    )
    return Artifact(meta=meta, model=estimator, popularity=popularity,
                    products=interactions.products)
