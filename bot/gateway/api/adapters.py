"""Stand-ins for CRM service functions the API needs and ``crm_core`` does not offer yet.

Each is written like a ``crm_core.services`` function (unit of work in, audit entry, commit)
so that moving it there is a cut and paste; the views call it through this module only.
"""

from __future__ import annotations

from typing import Any

from crm_core.errors import InvalidInput, ProductNotFound
from crm_core.models import Product
from crm_core.services import audit
from crm_core.unit_of_work import UnitOfWork

_PRODUCT_FIELDS = ("name", "description", "category", "price", "stock", "rebuyable", "active")
# Columns that may not be set to null.
_REQUIRED = {"name", "price", "stock", "rebuyable", "active"}


async def update_product(uow: UnitOfWork, product_id: int, changes: dict[str, Any], *,
                         actor: str) -> Product:
    """Apply ``changes`` to a product; ``ProductNotFound`` if none; audited."""
    unknown = set(changes) - set(_PRODUCT_FIELDS)
    nulls = sorted(k for k in changes if k in _REQUIRED and changes[k] is None)
    if unknown or nulls:
        raise InvalidInput("These product fields cannot be set this way.",
                           details={k: "may not be null" for k in nulls}
                           | {k: "unknown field" for k in sorted(unknown)})
    async with uow:
        product = await uow.products.get(product_id)
        if product is None:
            raise ProductNotFound(product_id)
        changed = {}
        for name, value in changes.items():
            if getattr(product, name) != value:
                setattr(product, name, value)
                changed[name] = str(value)
        if changed:
            audit.record(uow, actor, "product.update", "product", product_id, changed)
            await uow.commit()
    return product
