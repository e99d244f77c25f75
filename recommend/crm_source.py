"""Purchases and catalogue read from the CRM database (crm_core's tables).

Order lines of orders that were not cancelled or returned are the implicit feedback;
products carry stock, the re-buyable flag and whether they are still sold; the customer's
country and tier (as segment) drive the cold-start popularity.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from recommend.data import LOG_COLUMNS, PurchaseLog
from recommend.ranking import Catalogue, CatalogueItem, CustomerHistory

# Orders whose goods the customer does not keep say nothing about what they like.
EXCLUDED_STATUSES = ("cancelled", "returned")


class CrmPurchaseSource:
    """A :class:`~recommend.service.PurchaseSource` over the CRM's SQLAlchemy models."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    @staticmethod
    def _lines_query() -> Any:
        from crm_core.models import Customer, Order, OrderLine

        return (
            select(Order.customer_id, OrderLine.product_id, Order.id, Order.placed_at,
                   OrderLine.quantity, Customer.country, Customer.tier)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Order.status.not_in(EXCLUDED_STATUSES))
            .order_by(Order.placed_at, OrderLine.id)
        )

    async def customer_history(self, customer_id: int | str) -> CustomerHistory | None:
        """The customer's kept purchases: each product once with its latest purchase time
        (None when the customer does not exist)."""
        from crm_core.models import Customer, Order, OrderLine

        try:
            key = int(customer_id)
        except (TypeError, ValueError):
            return None
        async with self._sessions() as session:
            customer = (await session.execute(
                select(Customer.country, Customer.tier).where(Customer.id == key))).first()
            if customer is None:
                return None
            rows = (await session.execute(
                select(OrderLine.product_id, func.max(Order.placed_at))
                .join(Order, OrderLine.order_id == Order.id)
                .where(Order.customer_id == key, Order.status.not_in(EXCLUDED_STATUSES))
                .group_by(OrderLine.product_id))).all()
        return CustomerHistory(
            customer_id=key, product_ids=[str(r[0]) for r in rows],
            times=[r[1] for r in rows], country=customer[0], segment=_text(customer[1]),
        )

    async def catalogue(self) -> Catalogue:
        """Every product: name, in stock (active and stock > 0), re-buyable."""
        from crm_core.models import Product

        async with self._sessions() as session:
            rows = (await session.execute(
                select(Product.id, Product.name, Product.stock, Product.rebuyable,
                       Product.active))).all()
        return Catalogue.of([
            CatalogueItem(product_id=r[0], name=r[1], in_stock=bool(r[4]) and r[2] > 0,
                          rebuyable=bool(r[3]))
            for r in rows
        ])

    async def purchase_log(self) -> PurchaseLog:
        """Every kept order line, as a purchase log."""
        async with self._sessions() as session:
            rows = (await session.execute(self._lines_query())).all()
        if not rows:
            return PurchaseLog.from_frame(_empty_frame())
        frame = pd.DataFrame.from_records(
            [(str(r[0]), str(r[1]), str(r[2]), r[3], float(r[4]), r[5] or "", _text(r[6]))
             for r in rows], columns=[*LOG_COLUMNS, "segment"])
        return PurchaseLog.from_frame(frame)


def _text(value: Any) -> str:
    """An enum's value (customer tier) or a plain string; "" for None."""
    return "" if value is None else str(getattr(value, "value", value))


def _empty_frame() -> Any:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in LOG_COLUMNS})
    frame["time"] = pd.to_datetime(frame["time"])
    return frame
