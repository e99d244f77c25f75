"""Bulk reads of the CRM into pandas frames (one query per table, no ORM objects), so
analytics over a million customers stays a handful of round trips."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.models import Conversation, CsatRating, Customer, Message, Order, Ticket


@dataclass(frozen=True)
class Activity:
    """Everything customer analytics reads, as frames with UTC ``datetime64`` columns.

    ``orders``: customer_id, placed_at, total. ``tickets``: customer_id, created_at.
    ``messages``: customer_id, created_at, sentiment (customer messages with a sentiment).
    ``csat``: customer_id, created_at, score. ``customer_ids``: every customer.
    """

    customer_ids: np.ndarray
    orders: pd.DataFrame
    tickets: pd.DataFrame
    messages: pd.DataFrame
    csat: pd.DataFrame

    @property
    def end(self) -> pd.Timestamp | None:
        """The latest order time (the natural "as of" for a historical data set)."""
        return None if self.orders.empty else self.orders["placed_at"].max()


async def _frame(conn: AsyncConnection, stmt: Select, columns: Sequence[str],
                 times: Sequence[str] = ()) -> pd.DataFrame:
    rows = (await conn.execute(stmt)).all()
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    for col in times:
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


async def load_activity(conn: AsyncConnection,
                        excluded_statuses: Sequence[str] = ("cancelled", "returned")
                        ) -> Activity:
    """Read orders (minus ``excluded_statuses``), tickets, customer messages with a
    sentiment, and CSAT ratings, each tied to its customer."""
    ids = np.asarray((await conn.execute(select(Customer.id))).scalars().all(), dtype=np.int64)
    orders = await _frame(
        conn, select(Order.customer_id, Order.placed_at, Order.total)
        .where(Order.status.not_in(list(excluded_statuses))),
        ("customer_id", "placed_at", "total"), ("placed_at",))
    orders["total"] = orders["total"].astype(float)
    tickets = await _frame(conn, select(Ticket.customer_id, Ticket.created_at),
                           ("customer_id", "created_at"), ("created_at",))
    messages = await _frame(
        conn, select(Conversation.customer_id, Message.created_at, Message.sentiment)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.customer_id.is_not(None), Message.role == "customer",
               Message.sentiment.is_not(None)),
        ("customer_id", "created_at", "sentiment"), ("created_at",))
    csat = await _frame(
        conn, select(Conversation.customer_id, CsatRating.created_at, CsatRating.score)
        .join(Conversation, Conversation.id == CsatRating.conversation_id)
        .where(Conversation.customer_id.is_not(None)),
        ("customer_id", "created_at", "score"), ("created_at",))
    return Activity(ids, orders, tickets, messages, csat)


def as_timestamp(value: datetime | pd.Timestamp) -> pd.Timestamp:
    """A UTC ``pd.Timestamp`` (naive values are taken as UTC)."""
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
