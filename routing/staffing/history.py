"""Contact history for forecasting, read from crm_core's ``conversations`` table.

A thin adapter: it turns conversations (``started_at``, ``ended_at``) into the plain
``started_at`` / ``handle_seconds`` table the forecasters take, so the same forecast runs
from a CSV or from the CRM.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from crm_core.errors import InvalidInput, RuleViolation

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


class HistoryTooThin(RuleViolation, InvalidInput):
    """Too little conversation history for a forecast worth planning shifts on: 422 on
    the web (the request was fine, the data is not there yet); still an ``InvalidInput``
    for the CLI, which reports it as a usage error."""

    code = "history_too_thin"


def check_history(history: pd.DataFrame, *, min_days: int = 7,
                  min_contacts: int = 20) -> None:
    """``HistoryTooThin`` unless ``history`` spans ``min_days`` days and holds
    ``min_contacts`` contacts: the seasonal forecast averages each half hour of the week,
    so with less than a week some weekdays would be forecast as empty."""
    contacts = len(history)
    days = 0.0
    if contacts:
        stamps = pd.to_datetime(history["started_at"])
        days = (stamps.max().normalize() - stamps.min().normalize()).days + 1
    if contacts < min_contacts or days < min_days:
        raise HistoryTooThin(
            f"Not enough conversation history to forecast from: {contacts} finished "
            f"conversation(s) with an agent over {days:g} day(s); the plan needs at least "
            f"{min_contacts} conversations over {min_days} days.",
            details={"conversations": contacts, "days": days, "min_conversations": min_contacts,
                     "min_days": min_days})


async def load_history(database_url: str | AsyncEngine, *, agents_only: bool = True,
                       since: datetime | None = None, timezone: str = "UTC",
                       last_weeks: int | None = None) -> pd.DataFrame:
    """Finished conversations as ``started_at`` (local wall-clock in ``timezone``) and
    ``handle_seconds`` (ended minus started).

    ``database_url`` may also be an open engine (the server's), which is then left open.
    ``agents_only`` keeps conversations an agent took part in: bot-only sessions need no
    agent staffing. ``last_weeks`` keeps only the weeks before the newest such
    conversation, which bounds the rows read from a large CRM.
    """
    from datetime import timedelta

    from sqlalchemy import func, select

    from crm_core.db import create_engine
    from crm_core.models import Conversation

    query = select(Conversation.started_at, Conversation.ended_at).where(
        Conversation.ended_at.is_not(None))
    if agents_only:
        query = query.where(Conversation.agent_id.is_not(None))
    if since is not None:
        query = query.where(Conversation.started_at >= since)
    owned = isinstance(database_url, str)
    engine = create_engine(database_url) if owned else database_url
    try:
        async with engine.connect() as conn:
            if last_weeks is not None:
                newest = (await conn.execute(query.with_only_columns(
                    func.max(Conversation.started_at)))).scalar()
                if newest is not None:
                    # Whole days, so the oldest day kept is complete.
                    cut = (newest - timedelta(weeks=last_weeks)).replace(
                        hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
                    query = query.where(Conversation.started_at >= cut)
            rows = (await conn.execute(query)).all()
    finally:
        if owned:
            await engine.dispose()
    return history_frame(rows, timezone=timezone)


def history_frame(rows: list[tuple[datetime, datetime]], *, timezone: str = "UTC") -> pd.DataFrame:
    """``(started_at, ended_at)`` pairs -> the forecasters' history table."""
    if not rows:
        raise HistoryTooThin("no finished conversations in the database to forecast from",
                             details={"rows": 0})
    frame = pd.DataFrame(rows, columns=["started_at", "ended_at"])
    started = pd.to_datetime(frame["started_at"], utc=True)
    ended = pd.to_datetime(frame["ended_at"], utc=True)
    try:
        local = started.dt.tz_convert(timezone).dt.tz_localize(None)
    except Exception as exc:  # noqa: BLE001 - pytz/zoneinfo raise various types
        raise InvalidInput(f"unknown timezone {timezone!r}") from exc
    handle = (ended - started).dt.total_seconds().clip(lower=0.0)
    return pd.DataFrame({"started_at": local, "handle_seconds": handle})
