"""Orders: lookups scoped to a customer, filtered listings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm_core.domain.enums import OrderStatus
from crm_core.models import Order, OrderLine
from crm_core.repositories.base import Keyset, Page, Repository
from crm_core.repositories.scope import held_customer_ids


def _with_lines(stmt):  # noqa: ANN001, ANN202 - a Select in, the same Select out
    # One joined SELECT for one order: the selectin form took three statements and about
    # twice the CPU (2.8 against 1.2 ms per order, most of it in the ORM), and the bot
    # reads an order on most turns about orders. Results need ``unique()``.
    return stmt.options(joinedload(Order.lines).joinedload(OrderLine.product))


# Newest first; the id breaks ties between orders placed in the same microsecond.
ORDER_KEYSET = Keyset("orders", (Order.placed_at, Order.id), descending=True)


class OrderRepository(Repository):
    """Queries over orders; rows returned by ``get*`` come with lines and their products."""

    async def get(self, order_id: int) -> Order | None:
        """The order with this id (lines loaded), or None."""
        return (await self._session.scalars(
            _with_lines(select(Order).where(Order.id == order_id)))).unique().one_or_none()

    async def get_by_number(self, number: str) -> Order | None:
        """The order with this number (lines loaded), or None. Staff use only: customers
        must go through ``get_for_customer``."""
        return (await self._session.scalars(
            _with_lines(select(Order).where(Order.number == number.strip())))
        ).unique().one_or_none()

    async def get_for_customer(self, number: str, customer_id: int) -> Order | None:
        """The order with this number if it belongs to ``customer_id``; otherwise None, so a
        customer cannot tell someone else's order from a missing one."""
        stmt = select(Order).where(Order.number == number.strip(),
                                   Order.customer_id == customer_id)
        return (await self._session.scalars(_with_lines(stmt))).unique().one_or_none()

    async def recent_for_customer(self, customer_id: int, limit: int = 10) -> list[Order]:
        """The customer's newest orders (without lines)."""
        rows = await self._session.scalars(
            select(Order).where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit))
        return list(rows.all())

    async def list(self, *, customer_id: int | None = None,
                   status: OrderStatus | None = None, placed_from: datetime | None = None,
                   placed_to: datetime | None = None, limit: int = 50, offset: int = 0,
                   cursor: str | None = None, held_by: int | None = None) -> Page[Order]:
        """Orders matching all given filters, newest first (without lines); ``held_by``
        keeps orders of customers that agent holds. Pages by ``offset`` or by a
        ``cursor`` (``Page.next_cursor``)."""
        stmt = select(Order)
        if held_by is not None:
            stmt = stmt.where(Order.customer_id.in_(held_customer_ids(held_by)))
        if customer_id is not None:
            stmt = stmt.where(Order.customer_id == customer_id)
        if status:
            stmt = stmt.where(Order.status == OrderStatus(status))
        if placed_from:
            stmt = stmt.where(Order.placed_at >= placed_from)
        if placed_to:
            stmt = stmt.where(Order.placed_at < placed_to)
        return await self._keyset_page(stmt, ORDER_KEYSET, limit=limit, offset=offset,
                                       cursor=cursor)
