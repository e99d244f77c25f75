"""Tickets: creation with SLA due times from the policy, status transitions, assignment,
comments (public replies and internal notes)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crm_core.domain import rules
from crm_core.domain.enums import Channel, Priority, TicketStatus
from crm_core.domain.policy import SlaPolicy
from crm_core.errors import (
    AgentNotFound,
    ConversationNotFound,
    CustomerNotFound,
    InvalidInput,
    RuleViolation,
    TicketNotFound,
)
from crm_core.models import Ticket, TicketComment, utcnow
from crm_core.repositories import Page
from crm_core.services import audit, checks, conversations
from crm_core.services.orders import load_order
from crm_core.unit_of_work import UnitOfWork

TICKET_NUMBER_PREFIX = "T-"
_TICKET_NUMBER_OFFSET = 10_000


def ticket_number(ticket_id: int) -> str:
    """The public number of the ticket with this id."""
    return f"{TICKET_NUMBER_PREFIX}{ticket_id + _TICKET_NUMBER_OFFSET}"


@dataclass(frozen=True, slots=True)
class NewTicket:
    """A ticket to open. ``priority`` None means: from the policy (category, tier).
    ``description`` becomes the first public comment, written by the customer."""

    customer_id: int
    subject: str
    category: str | None = None
    priority: Priority | None = None
    channel: Channel = Channel.WEB
    order_number: str | None = None
    conversation_id: int | None = None
    description: str | None = None


async def _load(uow: UnitOfWork, ticket_id: int) -> Ticket:
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


async def create_ticket(uow: UnitOfWork, policy: SlaPolicy, data: NewTicket, *, actor: str,
                        now: datetime | None = None, reuse_open: bool = False,
                        handoff_reason: str | None = None) -> Ticket:
    """Open a ticket; priority and first-response / resolution due times come from the
    policy. The order (if any) must belong to the customer.

    With ``handoff_reason`` the ticket's conversation is also marked queued for a person,
    in the same transaction: a handoff never leaves a queued conversation without its
    ticket, nor a ticket for a conversation the bot still holds (a closed conversation
    keeps its status; the ticket is opened all the same).

    With ``reuse_open`` and a conversation, an open ticket of that conversation and
    category is returned instead (checked in the same transaction as the insert), so a
    second handoff of one conversation never opens a second ticket; the new description
    is added to it as a comment."""
    subject = checks.text("subject", data.subject, 300, required=True)
    category = checks.text("category", data.category, 64)
    now = now or utcnow()
    async with uow:
        customer = await uow.customers.get(data.customer_id)
        if customer is None:
            raise CustomerNotFound(data.customer_id)
        order_id = None
        if data.order_number:
            order_id = (await load_order(uow, data.order_number, customer.id)).id
        conversation = None
        if data.conversation_id is not None:
            conversation = await uow.conversations.get(data.conversation_id)
            if conversation is None:
                raise ConversationNotFound(data.conversation_id)
        if handoff_reason is not None and conversation is not None:
            with contextlib.suppress(RuleViolation):  # closed: nothing to queue
                conversations.mark_queued(uow, conversation, handoff_reason, actor=actor)
        if reuse_open and data.conversation_id is not None:
            existing = await uow.tickets.open_for_conversation(data.conversation_id, category)
            if existing is not None:
                if data.description and data.description.strip():
                    uow.tickets.add(TicketComment(
                        ticket_id=existing.id, author_type="customer",
                        body=data.description.strip(), public=True, created_at=now))
                    existing.updated_at = now
                audit.record(uow, actor, "ticket.reuse", "ticket", existing.number,
                             {"conversation_id": data.conversation_id})
                await uow.commit()
                return existing
        priority = rules.choose_priority(policy, data.priority, category, customer.tier)
        first_due, resolution_due = rules.sla_due_times(policy, priority, now)
        ticket = Ticket(
            number=uuid.uuid4().hex, customer_id=customer.id, order_id=order_id,
            conversation_id=data.conversation_id, subject=subject, category=category,
            priority=priority, status=TicketStatus.NEW, channel=Channel(data.channel),
            first_response_due=first_due, resolution_due=resolution_due,
            created_at=now, updated_at=now,
        )
        uow.tickets.add(ticket)
        await uow.flush()
        ticket.number = ticket_number(ticket.id)
        if data.description and data.description.strip():
            uow.tickets.add(TicketComment(ticket_id=ticket.id, author_type="customer",
                                          body=data.description.strip(), public=True,
                                          created_at=now))
        audit.record(uow, actor, "ticket.create", "ticket", ticket.number,
                     {"priority": str(priority), "category": category})
        await uow.commit()
    return ticket


async def get_ticket(uow: UnitOfWork, ticket_id: int) -> Ticket:
    """The ticket; ``TicketNotFound`` if none."""
    async with uow:
        return await _load(uow, ticket_id)


async def get_ticket_by_number(uow: UnitOfWork, number: str) -> Ticket:
    """The ticket with this number (e.g. "T-10001"); ``TicketNotFound`` if none."""
    async with uow:
        ticket = await uow.tickets.get_by_number(number)
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


async def list_tickets(uow: UnitOfWork, *, customer_id: int | None = None,
                       status: TicketStatus | Sequence[TicketStatus] | None = None,
                       priority: Priority | None = None, assignee_id: int | None = None,
                       unassigned: bool = False, limit: int = 50, offset: int = 0,
                       cursor: str | None = None,
                       held_by: int | None = None) -> Page[Ticket]:
    """Tickets matching the filters, newest first; ``held_by`` keeps the unassigned ones
    and those of customers that agent holds. Pages by ``offset`` or by the
    ``next_cursor`` of the previous page."""
    async with uow:
        return await uow.tickets.list(customer_id=customer_id, status=status,
                                      priority=priority, assignee_id=assignee_id,
                                      unassigned=unassigned, limit=limit, offset=offset,
                                      cursor=cursor, held_by=held_by)


async def change_status(uow: UnitOfWork, ticket_id: int, target: TicketStatus, *, actor: str,
                        now: datetime | None = None) -> Ticket:
    """Move a ticket to ``target`` if ``TICKET_TRANSITIONS`` allows it (``InvalidTransition``
    otherwise). Solving stamps ``solved_at``; reopening clears it."""
    target, now = TicketStatus(target), now or utcnow()
    async with uow:
        ticket = await _load(uow, ticket_id)
        rules.check_ticket_transition(ticket.number, ticket.status, target)
        previous = ticket.status
        _set_status(ticket, target, now)
        audit.record(uow, actor, "ticket.status", "ticket", ticket.number,
                     {"from": str(previous), "to": str(target)})
        await uow.commit()
    return ticket


def _set_status(ticket: Ticket, target: TicketStatus, now: datetime) -> None:
    ticket.status, ticket.updated_at = target, now
    if target is TicketStatus.SOLVED:
        ticket.solved_at = now
    elif target.is_open:
        ticket.solved_at = None


async def assign_ticket(uow: UnitOfWork, ticket_id: int, agent_id: int | None, *,
                        actor: str) -> Ticket:
    """Give the ticket to an active agent (or unassign with None). A new ticket opens."""
    async with uow:
        ticket = await _load(uow, ticket_id)
        if agent_id is not None:
            agent = await uow.agents.get(agent_id)
            if agent is None or not agent.active:
                raise AgentNotFound(agent_id)
        previous, ticket.assignee_id = ticket.assignee_id, agent_id
        if agent_id is not None and ticket.status is TicketStatus.NEW:
            _set_status(ticket, TicketStatus.OPEN, utcnow())
        audit.record(uow, actor, "ticket.assign", "ticket", ticket.number,
                     {"from": previous, "to": agent_id})
        await uow.commit()
    return ticket


async def set_priority(uow: UnitOfWork, policy: SlaPolicy, ticket_id: int, priority: Priority,
                       *, actor: str) -> Ticket:
    """Change the priority; the due times are recomputed from the ticket's creation time."""
    async with uow:
        ticket = await _load(uow, ticket_id)
        _set_priority(uow, policy, ticket, Priority(priority), actor)
        await uow.commit()
    return ticket


def _set_priority(uow: UnitOfWork, policy: SlaPolicy, ticket: Ticket, priority: Priority,
                  actor: str) -> None:
    previous = ticket.priority
    ticket.priority = priority
    ticket.first_response_due, ticket.resolution_due = rules.sla_due_times(
        policy, priority, ticket.created_at)
    audit.record(uow, actor, "ticket.priority", "ticket", ticket.number,
                 {"from": str(previous), "to": str(priority)})


async def update_ticket(uow: UnitOfWork, policy: SlaPolicy, number: str, *, actor: str,
                        status: TicketStatus | None = None, priority: Priority | None = None,
                        now: datetime | None = None) -> Ticket:
    """Change the priority (due times recomputed) and/or move the status, in one
    transaction: when the transition is refused (``InvalidTransition``) nothing changes.
    ``InvalidInput`` when neither is given, ``TicketNotFound`` for an unknown number."""
    if status is None and priority is None:
        raise InvalidInput("Nothing to change: give status and/or priority.",
                           details={"body": "no fields"})
    now = now or utcnow()
    async with uow:
        ticket = await uow.tickets.get_by_number(number)
        if ticket is None:
            raise TicketNotFound(number)
        if priority is not None and Priority(priority) != ticket.priority:
            _set_priority(uow, policy, ticket, Priority(priority), actor)
        if status is not None and TicketStatus(status) != ticket.status:
            target = TicketStatus(status)
            rules.check_ticket_transition(ticket.number, ticket.status, target)
            previous = ticket.status
            _set_status(ticket, target, now)
            audit.record(uow, actor, "ticket.status", "ticket", ticket.number,
                         {"from": str(previous), "to": str(target)})
        await uow.commit()
    return ticket


async def add_comment(uow: UnitOfWork, ticket_id: int, body: str, *, actor: str,
                      public: bool = True, author_agent_id: int | None = None,
                      author_type: str = "agent", now: datetime | None = None) -> TicketComment:
    """Add a reply (public) or an internal note (``public=False``, agents only).

    An agent's first public reply stamps ``first_responded_at`` and opens a new ticket; a
    customer's reply on a pending or solved ticket reopens it. Closed tickets take none."""
    body, now = checks.text("body", body, 20_000, required=True), now or utcnow()
    if author_type not in ("agent", "customer", "bot", "system"):
        raise InvalidInput(f"unknown author type {author_type!r}",
                           details={"field": "author_type", "value": author_type})
    if author_type != "agent" and not public:
        raise InvalidInput("only agents write internal notes", details={"field": "public"})
    async with uow:
        ticket = await _load(uow, ticket_id)
        if ticket.status is TicketStatus.CLOSED:
            rules.check_ticket_transition(ticket.number, ticket.status, TicketStatus.OPEN)
        comment = TicketComment(ticket_id=ticket.id, author_type=author_type,
                                author_agent_id=author_agent_id, body=body, public=public,
                                created_at=now)
        uow.tickets.add(comment)
        if author_type == "agent" and public:
            ticket.first_responded_at = ticket.first_responded_at or now
            if ticket.status is TicketStatus.NEW:
                _set_status(ticket, TicketStatus.OPEN, now)
        elif author_type == "customer" and ticket.status in (TicketStatus.PENDING,
                                                             TicketStatus.SOLVED):
            _set_status(ticket, TicketStatus.OPEN, now)
        ticket.updated_at = now
        await uow.flush()
        audit.record(uow, actor, "ticket.comment", "ticket", ticket.number,
                     {"comment_id": comment.id, "public": public})
        await uow.commit()
    return comment


async def list_comments(uow: UnitOfWork, ticket_id: int, *, include_internal: bool = True,
                        limit: int = 50, offset: int = 0) -> Page[TicketComment]:
    """The ticket's comments in order (customers: ``include_internal=False``)."""
    async with uow:
        await _load(uow, ticket_id)
        return await uow.tickets.comments(ticket_id, include_internal=include_internal,
                                          limit=limit, offset=offset)
