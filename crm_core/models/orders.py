"""Orders and their lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.domain.enums import OrderStatus
from crm_core.models.base import Base, EncryptedText, enum_column, utcnow
from crm_core.models.customers import Product


class Order(Base):
    """One purchase; ``status`` follows ``domain.rules.ORDER_TRANSITIONS``."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
        Index("ix_orders_status_placed", "status", "placed_at"),
        # The unfiltered order list: newest first, in its keyset order.
        Index("ix_orders_placed_id", "placed_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus), default=OrderStatus.PENDING
    )
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    total: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    shipping_address: Mapped[str | None] = mapped_column(EncryptedText)
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    return_reason: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="raise",
        order_by="OrderLine.id",
    )


class OrderLine(Base):
    """A product and quantity in an order, at the price paid."""

    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")
    product: Mapped[Product] = relationship(lazy="raise")
