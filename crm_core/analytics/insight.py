"""What the agent console and routing read: one customer's segment, value, churn risk and
why, and a 0..1 priority signal.

    insight = await customer_insight(uow, customer_id)   # console customer panel
    signals = await priority_signals(uow, [12, 40])        # routing: {12: 0.81, 40: 0.2}

Both read the ``customer_analytics`` table written by ``kefu analytics refresh``; they
never compute models on the request path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.analytics.models import CustomerAnalytics
from crm_core.errors import CustomerNotFound
from crm_core.unit_of_work import UnitOfWork

NOT_COMPUTED = "not_computed"
# Weights of the priority signal: value first, then the risk of losing it.
VALUE_WEIGHT, RISK_WEIGHT = 0.6, 0.4

_REASON_WORDS = {
    "recency_days": "days since last order", "frequency": "orders in total",
    "monetary": "total spend", "tenure_days": "days since first order",
    "avg_order_value": "average order value",
    "orders_last_window": "orders in the last window",
    "orders_prev_window": "orders in the window before",
    "frequency_trend": "change in orders per window",
    "spend_last_window": "spend in the last window",
    "spend_prev_window": "spend in the window before",
    "spend_trend": "change in spend per window", "tickets": "support tickets",
    "tickets_last_window": "recent support tickets",
    "negative_messages": "negative messages", "mean_sentiment": "average message sentiment",
    "csat_mean": "average CSAT", "csat_count": "CSAT ratings given",
}


@dataclass(frozen=True)
class CustomerInsight:
    """Analytics of one customer as of ``computed_at`` (None fields: not computed)."""

    customer_id: int
    segment: str
    recency_days: int | None = None
    frequency: int = 0
    monetary: float = 0.0
    rfm: str | None = None
    clv_historical: float = 0.0
    clv_12m: float | None = None
    churn_risk: float | None = None
    churn_reasons: list[str] = field(default_factory=list)
    cluster: int | None = None
    priority: float = 0.0
    computed_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able fields (``computed_at`` as ISO text)."""
        out = asdict(self)
        out["computed_at"] = self.computed_at.isoformat() if self.computed_at else None
        return out


def priority_signal(row: CustomerAnalytics | None) -> float:
    """0..1: ``0.6 * value + 0.4 * churn risk``, value being the monetary quintile scaled
    to 0..1. Valuable customers about to leave come first; unknown customers get 0."""
    if row is None or row.m_score is None:
        return 0.0
    value = (row.m_score - 1) / 4
    return round(VALUE_WEIGHT * value + RISK_WEIGHT * (row.churn_risk or 0.0), 4)


def explain(reasons: list[dict[str, Any]]) -> list[str]:
    """Reasons as short phrases: "days since last order = 120 (+0.21 risk)"."""
    return [f"{_REASON_WORDS.get(r['feature'], r['feature'])} = {r['value']} "
            f"(+{r['effect']:.2f} risk)" for r in reasons]


def segment_why(insight: CustomerInsight) -> str:
    """Why the customer is in their segment, in words: the RFM scores and the figures
    behind them (segments are rules on the scores, ``rfm.segments`` in analytics.yml)."""
    if insight.segment == NOT_COMPUTED:
        return "Not computed yet: run `kefu analytics refresh`."
    if insight.rfm is None or insight.recency_days is None:
        return "No counted orders (cancelled and returned orders do not count)."
    r, f, m = insight.rfm
    return (f"RFM {r}-{f}-{m} (scores 1-5 among all buyers, 5 best): last order "
            f"{insight.recency_days} days ago (recency {r}), {insight.frequency} orders "
            f"(frequency {f}), {insight.monetary:.2f} spent (monetary {m}).")


def value_why(insight: CustomerInsight) -> str:
    """Where the value figure comes from."""
    if insight.segment == NOT_COMPUTED:
        return "Not computed yet."
    spent = f"{insight.clv_historical:.2f} spent to date"
    if insight.clv_12m is None:
        return spent + "; no 12-month prediction (the lifetime-value model could not be " \
            "fitted at the last refresh)."
    return (spent + f"; {insight.clv_12m:.2f} expected in the next 12 months "
            "(BG/NBD purchases x Gamma-Gamma order value).")


def _insight(customer_id: int, row: CustomerAnalytics | None) -> CustomerInsight:
    if row is None:
        return CustomerInsight(customer_id, NOT_COMPUTED)
    rfm = None if row.r_score is None else f"{row.r_score}{row.f_score}{row.m_score}"
    return CustomerInsight(
        customer_id=customer_id, segment=row.segment, recency_days=row.recency_days,
        frequency=row.frequency, monetary=row.monetary, rfm=rfm,
        clv_historical=row.clv_historical, clv_12m=row.clv_12m, churn_risk=row.churn_risk,
        churn_reasons=explain(row.churn_reasons or []), cluster=row.cluster,
        priority=priority_signal(row), computed_at=row.computed_at)


class AnalyticsRepository:
    """Reads of ``customer_analytics`` on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, customer_id: int) -> CustomerAnalytics | None:
        """The customer's row, or None before the first refresh."""
        return await self._session.get(CustomerAnalytics, customer_id)

    async def many(self, customer_ids: Iterable[int]) -> dict[int, CustomerAnalytics]:
        """Rows of these customers, by id (missing ones left out)."""
        ids = list(customer_ids)
        if not ids:
            return {}
        rows = await self._session.scalars(
            select(CustomerAnalytics).where(CustomerAnalytics.customer_id.in_(ids)))
        return {r.customer_id: r for r in rows}


def _repo(uow: UnitOfWork) -> AnalyticsRepository:
    # The SQL unit of work exposes its session; analytics keeps its repository here
    # rather than adding one to the CRM's unit of work.
    return AnalyticsRepository(uow.session)  # type: ignore[attr-defined]


async def customer_insight(uow: UnitOfWork, customer_id: int) -> CustomerInsight:
    """Segment, value, churn risk and why for the console's customer panel;
    ``CustomerNotFound`` when there is no such customer, segment ``not_computed`` before
    the first ``kefu analytics refresh``."""
    async with uow:
        if await uow.customers.get(customer_id) is None:
            raise CustomerNotFound(customer_id)
        return _insight(customer_id, await _repo(uow).get(customer_id))


async def priority_signals(uow: UnitOfWork, customer_ids: Iterable[int]) -> dict[int, float]:
    """``priority_signal`` of each customer (0.0 for unknown or not yet computed ones), in
    one query, for routing."""
    ids = list(customer_ids)
    async with uow:
        rows = await _repo(uow).many(ids)
    return {i: priority_signal(rows.get(i)) for i in ids}
