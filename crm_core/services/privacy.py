"""A customer's data, all of it: export (right of access) and erase (right to erasure).

Export gathers every row kefu holds on the customer: the customer, orders with lines,
tickets with comments, conversations with messages, dialogue events and CSAT ratings,
and the audit entries about them. Erase removes or pseudonymises the PII in all of those
in one transaction: the customer keeps its id (orders and tickets still count for
accounting and statistics) but loses name, email, phone and external key; orders lose
the shipping address; message texts, ticket subjects and comments, CSAT comments and the
dialogue events' texts, slots and metadata are replaced. Both are audited.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, update

from crm_core.errors import CustomerNotFound
from crm_core.models import (
    AuditEntry,
    Base,
    Conversation,
    CsatRating,
    Customer,
    DialogueEvent,
    Message,
    Order,
    OrderLine,
    Ticket,
    TicketComment,
)
from crm_core.services import audit
from crm_core.unit_of_work import UnitOfWork

ERASED = "[erased]"
# Dialogue-event keys kept on erase: what happened and when, none of what was said.
_EVENT_KEYS_KEPT = ("event", "timestamp", "name", "policy", "confidence")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _row(obj: Base) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__mapper__.column_attrs}


async def _all(session, stmt) -> list:  # noqa: ANN001
    return list((await session.scalars(stmt)).all())


async def export_customer(uow: UnitOfWork, customer_id: int, *, actor: str) -> dict[str, Any]:
    """Everything kefu holds on the customer, as JSON-ready dicts; audited
    (``customer.export``) before it is handed out."""
    await audit.record_view(uow, actor, "customer.export", "customer", customer_id)
    async with uow:
        s = uow.session
        customer = await s.get(Customer, customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        orders = await _all(s, select(Order).where(Order.customer_id == customer_id)
                            .order_by(Order.id))
        lines = await _all(s, select(OrderLine).where(
            OrderLine.order_id.in_([o.id for o in orders])).order_by(OrderLine.id))
        tickets = await _all(s, select(Ticket).where(Ticket.customer_id == customer_id)
                             .order_by(Ticket.id))
        comments = await _all(s, select(TicketComment).where(
            TicketComment.ticket_id.in_([t.id for t in tickets])).order_by(TicketComment.id))
        conversations = await _all(s, select(Conversation).where(
            Conversation.customer_id == customer_id).order_by(Conversation.id))
        conv_ids = [c.id for c in conversations]
        messages = await _all(s, select(Message).where(Message.conversation_id.in_(conv_ids))
                              .order_by(Message.id))
        events = await _all(s, select(DialogueEvent).where(
            DialogueEvent.conversation_id.in_(conv_ids)).order_by(DialogueEvent.id))
        ratings = await _all(s, select(CsatRating).where(CsatRating.conversation_id.in_(conv_ids))
                             .order_by(CsatRating.id))
        entries = await _all(s, select(AuditEntry).where(
            AuditEntry.entity == "customer", AuditEntry.entity_id == str(customer_id))
            .order_by(AuditEntry.id))
    by_order: dict[int, list[dict[str, Any]]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(_row(line))
    by_ticket: dict[int, list[dict[str, Any]]] = {}
    for comment in comments:
        by_ticket.setdefault(comment.ticket_id, []).append(_row(comment))
    return {
        "customer": _row(customer) | {"email_bidx": None, "phone_bidx": None},
        "orders": [_row(o) | {"lines": by_order.get(o.id, [])} for o in orders],
        "tickets": [_row(t) | {"comments": by_ticket.get(t.id, [])} for t in tickets],
        "conversations": [_row(c) for c in conversations],
        "messages": [_row(m) for m in messages],
        "dialogue_events": [_row(e) for e in events],
        "csat_ratings": [_row(r) for r in ratings],
        "audit": [_row(a) for a in entries],
    }


def _scrub_event(event: dict[str, Any]) -> dict[str, Any]:
    kept = {k: event[k] for k in _EVENT_KEYS_KEPT if k in event}
    if "text" in event:
        kept["text"] = ERASED
    return kept


async def erase_customer(uow: UnitOfWork, customer_id: int, *, actor: str) -> dict[str, int]:
    """Remove or pseudonymise the customer's PII everywhere (one transaction, audited as
    ``customer.erase`` with the counts); orders and tickets stay, without PII."""
    async with uow:
        s = uow.session
        customer = await s.get(Customer, customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        customer.name = f"Erased customer {customer_id}"
        customer.email = customer.phone = customer.external_ref = customer.country = None
        customer.consent_marketing = False
        orders = await s.execute(update(Order).where(Order.customer_id == customer_id)
                                 .values(shipping_address=None))
        ticket_ids = list(await s.scalars(select(Ticket.id).where(
            Ticket.customer_id == customer_id)))
        if ticket_ids:
            await s.execute(update(Ticket).where(Ticket.id.in_(ticket_ids))
                            .values(subject=ERASED))
            await s.execute(update(TicketComment).where(TicketComment.ticket_id.in_(ticket_ids))
                            .values(body=ERASED))
        conv_ids = list(await s.scalars(select(Conversation.id).where(
            Conversation.customer_id == customer_id)))
        counts = {"orders": orders.rowcount or 0, "tickets": len(ticket_ids),
                  "conversations": len(conv_ids), "messages": 0, "dialogue_events": 0}
        if conv_ids:
            await s.execute(update(Conversation).where(Conversation.id.in_(conv_ids))
                            .values(sender_id=f"erased-{customer_id}"))
            msgs = await s.execute(update(Message).where(Message.conversation_id.in_(conv_ids))
                                   .values(text=ERASED))
            counts["messages"] = msgs.rowcount or 0
            await s.execute(update(CsatRating).where(CsatRating.conversation_id.in_(conv_ids))
                            .values(comment=None))
            for ev in await _all(s, select(DialogueEvent).where(
                    DialogueEvent.conversation_id.in_(conv_ids))):
                ev.event = _scrub_event(ev.event)
                counts["dialogue_events"] += 1
        # Earlier audit entries keep who did what when, not the values they recorded.
        await s.execute(update(AuditEntry).where(
            AuditEntry.entity == "customer", AuditEntry.entity_id == str(customer_id))
            .values(details={"erased": True}))
        audit.record(uow, actor, "customer.erase", "customer", customer_id, counts)
        await uow.commit()
    return counts
