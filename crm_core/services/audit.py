"""The audit log: every change a service makes is recorded in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm_core.models import AuditEntry, utcnow
from crm_core.repositories import Page
from crm_core.unit_of_work import UnitOfWork

# Actor strings: "agent:<id>", "customer:<id>", "bot", "system", "api:<name>".
SYSTEM = "system"
BOT = "bot"


def agent_actor(agent_id: int) -> str:
    """The actor string of an agent."""
    return f"agent:{agent_id}"


def customer_actor(customer_id: int) -> str:
    """The actor string of a customer acting for themselves (through the bot)."""
    return f"customer:{customer_id}"


def record(uow: UnitOfWork, actor: str, action: str, entity: str, entity_id: Any,
           details: dict[str, Any] | None = None) -> AuditEntry:
    """Stage an audit entry in the open unit of work (committed with the change it logs)."""
    entry = AuditEntry(actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                       at=utcnow(), details=details or {})
    uow.audit.add(entry)
    return entry


async def record_view(uow: UnitOfWork, actor: str, action: str, entity: str, entity_id: Any,
                      details: dict[str, Any] | None = None) -> AuditEntry:
    """Log that ``actor`` looked at customer data (e.g. ``"customer.view"``), in its own
    transaction: reads change nothing else, but who saw what must still be on record.
    Callers record the view before they hand the data out, so a failed write shows none."""
    async with uow:
        entry = record(uow, actor, action, entity, entity_id, details)
        await uow.commit()
    return entry


async def record_list_view(uow: UnitOfWork, actor: str, action: str, entity: str,
                           entity_ids: Iterable[Any],
                           details: dict[str, Any] | None = None) -> list[AuditEntry]:
    """Log a list view per record: one entry for each distinct ``entity_ids`` value, so
    "who saw customer 42" finds list pages too, not only ``*``. An empty page still logs the
    query itself (entity id ``*``): searching by an email is a look at customer data."""
    ids = list(dict.fromkeys(str(i) for i in entity_ids)) or ["*"]
    async with uow:
        entries = [record(uow, actor, action, entity, i, details) for i in ids]
        await uow.commit()
    return entries


async def list_entries(uow: UnitOfWork, *, entity: str | None = None,
                       entity_id: Any = None, actor: str | None = None, limit: int = 50,
                       offset: int = 0) -> Page[AuditEntry]:
    """Audit entries, newest first, filtered by entity / id / actor."""
    async with uow:
        return await uow.audit.list(
            entity=entity, entity_id=None if entity_id is None else str(entity_id),
            actor=actor, limit=limit, offset=offset)
