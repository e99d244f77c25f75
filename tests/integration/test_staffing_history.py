"""Staffing reads conversation history from a real, migrated CRM (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from bot.cli import main
from crm_core.db import create_engine, create_session_factory
from crm_core.domain.enums import Channel
from crm_core.errors import InvalidInput
from crm_core.models import Agent, Conversation
from crm_core.schema import upgrade
from routing.staffing.history import load_history
from routing.staffing.planning import ShiftOptions

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


async def _seed(url: str, weeks: int = 2) -> int:
    """Every weekday at 09:00-09:30 UTC: 4 agent conversations of 300 s and 1 bot-only one."""
    await upgrade(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    count = 0
    async with sessions() as session:
        agent = Agent(email="a@example.com", name="A", password_hash="x")
        session.add(agent)
        await session.flush()
        for day in range(7 * weeks):
            if (MONDAY + timedelta(days=day)).weekday() >= 5:
                continue
            for k in range(5):
                start = MONDAY + timedelta(days=day, hours=9, minutes=5 * k)
                session.add(Conversation(
                    sender_id=f"s{day}-{k}", channel=Channel.WEB, started_at=start,
                    ended_at=start + timedelta(seconds=300),
                    agent_id=agent.id if k < 4 else None))
                count += k < 4
        await session.commit()
    await engine.dispose()
    return count


async def test_load_history_keeps_agent_conversations(database_url: str) -> None:
    expected = await _seed(database_url)
    history = await load_history(database_url)
    assert len(history) == expected
    assert history["handle_seconds"].eq(300).all()
    assert history["started_at"].dt.tz is None
    assert (history["started_at"].dt.hour == 9).all()
    everything = await load_history(database_url, agents_only=False, timezone="Asia/Shanghai")
    assert len(everything) == expected * 5 // 4
    assert (everything["started_at"].dt.hour == 17).all()  # 09:00 UTC is 17:00 in Shanghai


async def test_empty_database_is_invalid_input(database_url: str) -> None:
    await upgrade(database_url)
    with pytest.raises(InvalidInput):
        await load_history(database_url)


def test_plan_command_from_the_crm(sqlite_url: str, tmp_path) -> None:
    import asyncio

    asyncio.run(_seed(sqlite_url))
    chart = tmp_path / "plan.png"
    result = CliRunner().invoke(main, [
        "staffing", "plan", "--database-url", sqlite_url, "--days", "7",
        "--shift-hours", "4", "--chart", str(chart), "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["status"] == "Optimal"
    monday_nine = next(i for i in plan["intervals"] if i["start"] == "2026-01-19T09:00:00")
    # 4 contacts of 300 s in 30 min is 0.67 Erlang; one agent would answer only 35% within
    # 20 s (P(wait) = 0.67), so Erlang C asks for 2.
    assert monday_nine["arrivals"] == pytest.approx(4.0)
    assert monday_nine["required"] == 2
    assert monday_nine["planned"] >= 2
    assert plan["cost"] == pytest.approx(5 * 2 * 4.0)  # one 4 h shift of 2 agents a weekday
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_supervisor_plan_from_the_crm(database_url: str) -> None:
    from routing.staffing.service import supervisor_plan

    await _seed(database_url)
    view = await supervisor_plan(database_url, options=ShiftOptions(lengths_hours=(4.0,)))
    assert view.png.startswith(b"\x89PNG")
    assert view.as_dict()["cost"] == pytest.approx(40.0)  # as in the CLI test above
    assert "status Optimal" in view.table


async def test_last_weeks_keeps_whole_days_before_the_newest(database_url: str) -> None:
    from routing.staffing.history import HistoryTooThin, check_history

    await _seed(database_url)  # weekdays 2026-01-05 .. 2026-01-16
    recent = await load_history(database_url, last_weeks=1)
    days = sorted(set(recent["started_at"].dt.strftime("%m-%d")))
    assert days == ["01-12", "01-13", "01-14", "01-15", "01-16"] and len(recent) == 20
    check_history(recent, min_days=5, min_contacts=20)
    with pytest.raises(HistoryTooThin) as exc:
        check_history(recent, min_days=7, min_contacts=20)
    assert exc.value.details == {"conversations": 20, "days": 5, "min_conversations": 20,
                                 "min_days": 7}
