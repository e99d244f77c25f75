"""The customer panel's recommendations: what to suggest to this customer, and why.

Reads the app's ``RecommendationService`` (``keys.RECOMMENDER``, loaded by
``recommend/server.py``): the trained model when ``kefu recommend train`` has saved one,
otherwise the popularity model fitted from the CRM's orders at start-up. The panel says
which one answered, so an agent never mistakes bestsellers for a personal suggestion.
"""

from __future__ import annotations

import logging
from typing import Any

from crm_core.errors import NotFound

log = logging.getLogger(__name__)

PANEL_ITEMS = 5
POPULARITY = "kefu.popularity.v1"


def _note(info: Any, items: list[Any]) -> tuple[str, bool]:
    """What answered (shown in the panel) and whether it is the popularity fallback."""
    if info is None:
        return ("No recommendation model: the CRM has no purchases to learn from yet.", True)
    if info.model == POPULARITY:
        return ("No trained model (run `kefu recommend train`): showing the popularity "
                "fallback, bestsellers in the customer's country or tier.", True)
    note = f"Model {info.model}, version {info.version}."
    if items and all(item.reason == "popular" for item in items):
        return (note + " This customer has no purchases the model knows: popular products "
                "shown instead (popularity fallback).", True)
    return note, False


async def recommendations_panel(service: Any, customer_id: int,
                                k: int = PANEL_ITEMS) -> dict[str, Any]:
    """``{"model", "version", "fallback", "note", "items": [{product_id, name, score,
    explanation, reason, because_of}]}``; never raises (the panel works without it)."""
    if service is None:
        return {"model": None, "version": None, "fallback": True, "items": [],
                "note": "The recommender is not running on this server."}
    info = service.model_info
    try:
        items = await service.for_customer(customer_id, k=k)
    except NotFound:
        items = []
    except Exception:  # noqa: BLE001 - the rest of the panel must still show
        log.exception("recommendations for customer %s failed", customer_id)
        return {"model": getattr(info, "model", None), "version": getattr(info, "version", None),
                "fallback": True, "items": [],
                "note": "Recommendations are unavailable right now (logged)."}
    note, fallback = _note(info, items)
    return {"model": getattr(info, "model", None), "version": getattr(info, "version", None),
            "fallback": fallback, "note": note,
            "items": [{"product_id": str(r.product_id), "name": r.name,
                       "score": round(float(r.score), 4), "explanation": r.explanation,
                       "reason": r.reason,
                       "because_of": None if r.because_of is None else str(r.because_of)}
                      for r in items]}
