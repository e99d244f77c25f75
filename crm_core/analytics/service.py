"""Service report: conversations, bot containment, handoff reasons, first-response and
resolution times, SLA attainment and CSAT, in total and per day / channel / agent / team.

Definitions (stated once, used everywhere):

* a conversation is **contained** when it was never handed to a human (no handoff reason,
  no agent); containment rate = contained / conversations started in the period;
* **first response** = ticket ``first_responded_at - created_at`` (minutes), **resolution**
  = ``solved_at - created_at`` (hours); p90 uses numpy's linear interpolation;
* **SLA attainment** = met / (met + breached): met when done by the due time; breached when
  done late or still not done after the due time (as of the report's ``now``); tickets not
  yet due and not done are not counted;
* **CSAT score** = share of ratings >= ``satisfied_at_least`` (default 4); **response
  rate** = rated conversations / conversations that ended in the period.

Conversations and their ratings are attributed to the day the conversation started,
tickets to the day they were created. Per agent and per team they go to the conversation's
agent and the ticket's assignee; the team is the agent's ``team`` field as it is now (an
agent who changed team counts wholly for the new one), ``(no team)`` when it is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.analytics.data import as_timestamp
from crm_core.errors import InvalidInput
from crm_core.models import Agent, Conversation, CsatRating, Ticket

DIMENSIONS = ("total", "day", "channel", "agent", "team")
NO_TEAM = "(no team)"
UNASSIGNED = "(bot / unassigned)"
COLUMNS = ("dimension", "key", "conversations", "contained", "containment_rate", "handoffs",
           "tickets", "first_response_mean_min", "first_response_p90_min",
           "resolution_mean_h", "resolution_p90_h", "first_response_sla", "resolution_sla",
           "csat_ratings", "csat_mean", "csat_score", "csat_response_rate")


@dataclass(frozen=True)
class ServiceReport:
    """Rows (one per dimension and key, ``COLUMNS``) and handoff reason counts."""

    start: date | None
    end: date | None
    rows: list[dict[str, Any]]
    handoff_reasons: dict[str, int] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame in ``COLUMNS`` order."""
        return pd.DataFrame(self.rows, columns=list(COLUMNS))

    def as_dict(self) -> dict[str, Any]:
        """JSON-able report."""
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
                "rows": self.rows, "handoff_reasons": self.handoff_reasons}


async def _frame(conn: AsyncConnection, stmt: Any, cols: list[str],
                 times: list[str]) -> pd.DataFrame:
    rows = (await conn.execute(stmt)).all()
    frame = pd.DataFrame.from_records(rows, columns=cols)
    for col in times:
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def _period(col: Any, start: date | None, end: date | None) -> list[Any]:
    cond = []
    if start:
        cond.append(col >= datetime.combine(start, time.min, tzinfo=UTC))
    if end:
        cond.append(col < datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    return cond


async def load_service_data(conn: AsyncConnection, start: date | None, end: date | None
                            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[int, str]]:
    """Conversations and tickets of the period, the ratings of those conversations, and
    agent names."""
    conv = await _frame(conn, select(
        Conversation.id, Conversation.channel, Conversation.agent_id, Conversation.status,
        Conversation.handoff_reason, Conversation.started_at, Conversation.ended_at)
        .where(*_period(Conversation.started_at, start, end)),
        ["id", "channel", "agent_id", "status", "handoff_reason", "started_at", "ended_at"],
        ["started_at", "ended_at"])
    tickets = await _frame(conn, select(
        Ticket.id, Ticket.channel, Ticket.assignee_id, Ticket.created_at,
        Ticket.first_responded_at, Ticket.solved_at, Ticket.first_response_due,
        Ticket.resolution_due).where(*_period(Ticket.created_at, start, end)),
        ["id", "channel", "agent_id", "created_at", "first_responded_at", "solved_at",
         "first_response_due", "resolution_due"],
        ["created_at", "first_responded_at", "solved_at", "first_response_due",
         "resolution_due"])
    csat = await _frame(conn, select(CsatRating.conversation_id, CsatRating.score)
                        .join(Conversation, Conversation.id == CsatRating.conversation_id)
                        .where(*_period(Conversation.started_at, start, end)),
                        ["conversation_id", "score"], [])
    csat = csat.merge(conv[["id", "channel", "agent_id", "started_at"]],
                      left_on="conversation_id", right_on="id", how="inner")
    agents = dict((await conn.execute(select(Agent.id, Agent.name))).all())
    for frame in (conv, tickets):
        frame["channel"] = frame["channel"].astype(str)
    return conv, tickets, csat, agents


def _mean(x: pd.Series) -> float | None:
    return None if x.empty else round(float(x.mean()), 3)


def _p90(x: pd.Series) -> float | None:
    return None if x.empty else round(float(np.percentile(x.to_numpy(), 90)), 3)


def _sla(done: pd.Series, due: pd.Series, now: pd.Timestamp) -> float | None:
    has_due = due.notna()
    met = has_due & done.notna() & (done <= due)
    breached = has_due & ((done.notna() & (done > due)) | (done.isna() & (due < now)))
    n = int(met.sum() + breached.sum())
    return None if n == 0 else round(float(met.sum()) / n, 4)


def metrics(conv: pd.DataFrame, tickets: pd.DataFrame, csat: pd.DataFrame,
            now: pd.Timestamp, satisfied_at_least: int = 4) -> dict[str, Any]:
    """The report's figures for one slice of conversations, tickets and ratings."""
    contained = conv["handoff_reason"].isna() & conv["agent_id"].isna()
    frt = (tickets["first_responded_at"] - tickets["created_at"]).dropna().dt.total_seconds() / 60
    res = (tickets["solved_at"] - tickets["created_at"]).dropna().dt.total_seconds() / 3600
    ended = int(conv["ended_at"].notna().sum())
    n = len(conv)
    return {
        "conversations": n, "contained": int(contained.sum()),
        "containment_rate": round(float(contained.mean()), 4) if n else None,
        "handoffs": int((~contained).sum()), "tickets": len(tickets),
        "first_response_mean_min": _mean(frt), "first_response_p90_min": _p90(frt),
        "resolution_mean_h": _mean(res), "resolution_p90_h": _p90(res),
        "first_response_sla": _sla(tickets["first_responded_at"],
                                   tickets["first_response_due"], now),
        "resolution_sla": _sla(tickets["solved_at"], tickets["resolution_due"], now),
        "csat_ratings": len(csat), "csat_mean": _mean(csat["score"]),
        "csat_score": round(float((csat["score"] >= satisfied_at_least).mean()), 4)
        if len(csat) else None,
        "csat_response_rate": round(len(csat) / ended, 4) if ended else None,
    }


def build_report(conv: pd.DataFrame, tickets: pd.DataFrame, csat: pd.DataFrame,
                 agents: dict[int, str], *, start: date | None = None,
                 end: date | None = None, now: datetime | None = None,
                 satisfied_at_least: int = 4,
                 teams: dict[int, str | None] | None = None) -> ServiceReport:
    """Total, per-day, per-channel and per-agent rows from loaded frames, and per-team
    rows when ``teams`` (agent id -> team or None) is given."""
    now_ts = as_timestamp(now) if now else pd.Timestamp.now(tz="UTC")
    keys: dict[str, tuple[Callable[[pd.DataFrame], pd.Series], ...]] = {
        "day": (lambda f: f["started_at"].dt.strftime("%Y-%m-%d"),
                lambda f: f["created_at"].dt.strftime("%Y-%m-%d"),
                lambda f: f["started_at"].dt.strftime("%Y-%m-%d")),
        "channel": (lambda f: f["channel"],) * 3,
        "agent": (lambda f: f["agent_id"].map(lambda a: _agent(a, agents)),) * 3,
    }
    if teams is not None:
        keys["team"] = (lambda f: f["agent_id"].map(lambda a: _team(a, teams)),) * 3
    rows = [{"dimension": "total", "key": "all",
             **metrics(conv, tickets, csat, now_ts, satisfied_at_least)}]
    for dim, (kc, kt, kr) in keys.items():
        ck, tk, rk = kc(conv), kt(tickets), kr(csat)
        for key in sorted(set(ck) | set(tk) | set(rk)):
            rows.append({"dimension": dim, "key": key, **metrics(
                conv[ck == key], tickets[tk == key], csat[rk == key], now_ts,
                satisfied_at_least)})
    reasons = conv["handoff_reason"].dropna().value_counts()
    return ServiceReport(start, end, rows, {str(k): int(v) for k, v in reasons.items()})


def _agent(agent_id: Any, agents: dict[int, str]) -> str:
    if pd.isna(agent_id):
        return UNASSIGNED
    return f"{int(agent_id)} {agents.get(int(agent_id), '?')}"


def _team(agent_id: Any, teams: dict[int, str | None]) -> str:
    if pd.isna(agent_id):
        return UNASSIGNED
    return teams.get(int(agent_id)) or NO_TEAM


async def load_teams(conn: AsyncConnection) -> dict[int, str | None]:
    """Each agent's team (None when not in one)."""
    return dict((await conn.execute(select(Agent.id, Agent.team))).all())


async def service_report(conn: AsyncConnection, start: date | None = None,
                         end: date | None = None, *, now: datetime | None = None,
                         satisfied_at_least: int = 4) -> ServiceReport:
    """The service report for conversations/tickets from ``start`` to ``end`` (inclusive
    days, UTC); ``InvalidInput`` when ``start`` is after ``end``."""
    if start and end and start > end:
        raise InvalidInput("--from must not be after --to",
                           details={"from": start.isoformat(), "to": end.isoformat()})
    conv, tickets, csat, agents = await load_service_data(conn, start, end)
    return build_report(conv, tickets, csat, agents, start=start, end=end, now=now,
                        satisfied_at_least=satisfied_at_least, teams=await load_teams(conn))


def save_chart(report: ServiceReport, path: Any) -> Any:
    """A PNG: conversations per day (bars) with containment rate and CSAT score (lines).
    ``path`` may be a file name or a binary file object (the console serves the bytes)."""
    # A bare Figure (no pyplot): no global figure state, so servers may draw in threads.
    from matplotlib.figure import Figure

    days = report.frame()
    days = days[days["dimension"] == "day"].copy()
    days["when"] = pd.to_datetime(days["key"])
    # More than two months of days is unreadable: plot weeks, rates re-weighted.
    unit = "week" if len(days) > 60 else "day"
    if unit == "week":
        days["when"] = days["when"].dt.to_period("W").dt.start_time
    days["satisfied"] = days["csat_score"].astype(float).fillna(0) * days["csat_ratings"]
    g = days.groupby("when")[["conversations", "contained", "csat_ratings",
                              "satisfied"]].sum()
    fig = Figure(figsize=(10, 4.5))
    ax = fig.add_subplot()
    ax.bar(g.index, g["conversations"], width=5 if unit == "week" else 0.8,
           color="#9ecae1", label="conversations")
    ax.set_ylabel(f"conversations per {unit}")
    ax2 = ax.twinx()
    with np.errstate(invalid="ignore", divide="ignore"):
        ax2.plot(g.index, g["contained"] / g["conversations"], color="#3182bd", marker=".",
                 label="bot containment")
        ax2.plot(g.index, g["satisfied"] / g["csat_ratings"], color="#e6550d", marker=".",
                 label="CSAT score (>= 4)")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("rate")
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    ax.legend(lines, labels, loc="upper left")
    ax.set_title("kefu service report")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=100, format="png")
    return path
