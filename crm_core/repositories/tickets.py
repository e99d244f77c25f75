"""Tickets and their comments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from crm_core.domain.enums import OPEN_TICKET_STATUSES, Priority, TicketStatus
from crm_core.models import Ticket, TicketComment
from crm_core.repositories.base import Keyset, Page, Repository
from crm_core.repositories.scope import held_customer_ids


# Newest first; the id breaks ties between tickets created in the same microsecond.
TICKET_KEYSET = Keyset("tickets", (Ticket.created_at, Ticket.id), descending=True)


class TicketRepository(Repository):
    """Queries over tickets."""

    async def get(self, ticket_id: int) -> Ticket | None:
        """The ticket with this id, or None."""
        return await self._session.get(Ticket, ticket_id)

    async def get_by_number(self, number: str) -> Ticket | None:
        """The ticket with this number, or None."""
        stmt = select(Ticket).where(Ticket.number == number.strip())
        return (await self._session.scalars(stmt)).first()

    async def get_with_comments(self, ticket_id: int) -> Ticket | None:
        """The ticket with all its comments loaded, or None."""
        stmt = select(Ticket).where(Ticket.id == ticket_id).options(
            selectinload(Ticket.comments))
        return (await self._session.scalars(stmt)).first()

    async def open_for_customer(self, customer_id: int) -> list[Ticket]:
        """The customer's tickets that are not solved or closed, newest first."""
        rows = await self._session.scalars(
            select(Ticket).where(Ticket.customer_id == customer_id,
                                 Ticket.status.in_(OPEN_TICKET_STATUSES))
            .order_by(Ticket.created_at.desc()))
        return list(rows.all())

    async def open_for_conversation(self, conversation_id: int,
                                    category: str | None = None) -> Ticket | None:
        """The oldest ticket of this conversation that is not solved or closed (optionally
        of one category), or None: a repeated handoff reuses it instead of opening another."""
        stmt = select(Ticket).where(Ticket.conversation_id == conversation_id,
                                    Ticket.status.in_(OPEN_TICKET_STATUSES))
        if category is not None:
            stmt = stmt.where(Ticket.category == category)
        return (await self._session.scalars(stmt.order_by(Ticket.id).limit(1))).first()

    async def list(self, *, customer_id: int | None = None,
                   status: TicketStatus | Sequence[TicketStatus] | None = None,
                   priority: Priority | None = None, assignee_id: int | None = None,
                   unassigned: bool = False, limit: int = 50, offset: int = 0,
                   cursor: str | None = None, held_by: int | None = None) -> Page[Ticket]:
        """Tickets matching all given filters, newest first; ``held_by`` keeps the
        unassigned ones and those of customers that agent holds. Pages by ``offset`` or
        by a ``cursor`` (``Page.next_cursor``)."""
        stmt = select(Ticket)
        if held_by is not None:
            stmt = stmt.where(or_(Ticket.assignee_id.is_(None),
                                  Ticket.customer_id.in_(held_customer_ids(held_by))))
        if customer_id is not None:
            stmt = stmt.where(Ticket.customer_id == customer_id)
        if status:
            wanted = [status] if isinstance(status, str) else list(status)
            stmt = stmt.where(Ticket.status.in_([TicketStatus(s) for s in wanted]))
        if priority:
            stmt = stmt.where(Ticket.priority == Priority(priority))
        if assignee_id is not None:
            stmt = stmt.where(Ticket.assignee_id == assignee_id)
        if unassigned:
            stmt = stmt.where(Ticket.assignee_id.is_(None))
        return await self._keyset_page(stmt, TICKET_KEYSET, limit=limit, offset=offset,
                                       cursor=cursor)

    async def comments(self, ticket_id: int, *, include_internal: bool = True,
                       limit: int = 50, offset: int = 0) -> Page[TicketComment]:
        """A ticket's comments in order; customers see only public ones."""
        stmt = select(TicketComment).where(TicketComment.ticket_id == ticket_id) \
            .order_by(TicketComment.id)
        if not include_internal:
            stmt = stmt.where(TicketComment.public.is_(True))
        return await self._page(stmt, limit, offset)
