"""Feed the interpreter's lookup tables from the CRM: product names and categories."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.nlu.components.entities_rules import MAX_LOOKUP_VALUES

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.nlu.interpreter import KefuInterpreter

log = logging.getLogger(__name__)


async def crm_lookup_tables(session_factory: async_sessionmaker[AsyncSession]
                            ) -> dict[str, list[str]]:
    """Active product names and all categories, read page by page through the repository."""
    from crm_core.repositories.base import MAX_PAGE_SIZE
    from crm_core.unit_of_work import SqlUnitOfWork

    names: list[str] = []
    async with SqlUnitOfWork(session_factory) as uow:
        offset = 0
        while len(names) < MAX_LOOKUP_VALUES:
            page = await uow.products.list(active=True, limit=MAX_PAGE_SIZE, offset=offset)
            names.extend(p.name for p in page.items if p.name)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
        categories = await uow.products.categories()
    return {"product": names[:MAX_LOOKUP_VALUES], "category": categories}


async def feed_crm_lookups(interpreter: KefuInterpreter,
                           session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Best effort: an empty or not yet migrated database leaves the trained tables alone."""
    try:
        tables = await crm_lookup_tables(session_factory)
    except Exception as exc:  # noqa: BLE001 - start-up must not fail on a fresh database
        log.warning("NLU lookups not loaded from the CRM (%s: %s)", type(exc).__name__, exc)
        return
    for name, values in tables.items():
        if values:
            interpreter.set_lookup(name, values)
    log.info("NLU lookups from the CRM: %d products, %d categories",
             len(tables["product"]), len(tables["category"]))
