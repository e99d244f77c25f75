"""The ``customer_analytics`` table: one row of computed figures per customer.

Kept apart from ``customers`` so a refresh rewrites it in bulk without touching the CRM's
own rows (and without locking them), and so the CRM schema stays the CRM engineer's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base, JsonType, utcnow


class CustomerAnalytics(Base):
    """RFM, lifetime value, churn risk and cluster of one customer, as of ``computed_at``."""

    __tablename__ = "customer_analytics"
    __table_args__ = (Index("ix_customer_analytics_segment", "segment"),)

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    # None when the customer has no counted order yet.
    recency_days: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[int] = mapped_column(Integer, default=0)
    monetary: Mapped[float] = mapped_column(Float, default=0.0)
    r_score: Mapped[int | None] = mapped_column(Integer)
    f_score: Mapped[int | None] = mapped_column(Integer)
    m_score: Mapped[int | None] = mapped_column(Integer)
    segment: Mapped[str] = mapped_column(String(32))
    clv_historical: Mapped[float] = mapped_column(Float, default=0.0)
    clv_12m: Mapped[float | None] = mapped_column(Float)
    churn_risk: Mapped[float | None] = mapped_column(Float)
    # [{"feature": "recency_days", "value": 120.0, "effect": 0.21}, ...] biggest first.
    churn_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    cluster: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
