"""Analytics against a real migrated database (SQLite and PostgreSQL): refresh writes the
hand-computed RFM, the console/routing reads, and the service report on a fixed tiny
history checked by hand; the CLI end to end on SQLite."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from crm_core.analytics.insight import NOT_COMPUTED, customer_insight, priority_signals
from crm_core.analytics.models import CustomerAnalytics
from crm_core.analytics.refresh import refresh
from crm_core.analytics.service import service_report
from crm_core.analytics.settings import load_config
from crm_core.bulk import insert_rows, reset_sequences
from crm_core.db import create_engine, create_session_factory
from crm_core.errors import CustomerNotFound, InvalidInput
from crm_core.schema import upgrade
from crm_core.unit_of_work import SqlUnitOfWork

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
ORDERS = [  # customer, placed, total, status (same history as the RFM unit test)
    (1, "2026-01-30", 100, "delivered"), (1, "2026-01-20", 50, "delivered"),
    (1, "2026-01-10", 50, "delivered"), (2, "2026-01-21", 300, "delivered"),
    (2, "2026-01-25", 900, "cancelled"),
    (3, "2026-01-01", 20, "delivered"), (3, "2025-12-01", 30, "shipped"),
    (4, "2025-11-02", 10, "delivered"),
    (5, "2025-08-04", 500, "delivered"), (5, "2025-07-01", 500, "delivered"),
    (5, "2025-06-01", 500, "delivered"), (5, "2025-05-01", 500, "delivered"),
]


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _uniform(rows: list[dict]) -> list[dict]:
    # executemany needs the same keys in every row: absent ones are NULL.
    keys = {k for row in rows for k in row}
    return [{k: row.get(k) for k in keys} for row in rows]


async def _seed(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await insert_rows(conn, "customers", [
            {"id": i, "name": f"Customer {i}", "email": f"c{i}@example.com"} for i in range(1, 7)])
        await insert_rows(conn, "orders", [
            {"id": k, "number": f"T{k}", "customer_id": c, "placed_at": _t(d), "total": v,
             "status": s} for k, (c, d, v, s) in enumerate(ORDERS, 1)])
        await insert_rows(conn, "agents", [
            {"id": i, "email": f"a{i}@example.com", "name": name, "password_hash": "x",
             "languages": ["en"], "capacity": {"web": 2}} for i, name in ((1, "Ann"), (2, "Bo"))])
        await insert_rows(conn, "conversations", _uniform([
            {"id": 1, "sender_id": "s1", "channel": "web", "customer_id": 1,
             "status": "closed", "started_at": _t("2026-01-10 09:00"),
             "ended_at": _t("2026-01-10 09:05")},
            {"id": 2, "sender_id": "s2", "channel": "web", "customer_id": 2, "agent_id": 1,
             "status": "closed", "handoff_reason": "needs a human",
             "started_at": _t("2026-01-10 10:00"), "ended_at": _t("2026-01-10 11:00")},
            {"id": 3, "sender_id": "s3", "channel": "voice", "customer_id": 3, "agent_id": 2,
             "status": "closed", "handoff_reason": "angry",
             "started_at": _t("2026-01-11 08:00"), "ended_at": _t("2026-01-11 09:00")},
            {"id": 4, "sender_id": "s4", "channel": "web", "status": "bot",
             "started_at": _t("2026-01-11 12:00")},
            {"id": 5, "sender_id": "s5", "channel": "web", "status": "bot",
             "started_at": _t("2026-02-11 12:00")},  # outside the report period
        ]))
        await insert_rows(conn, "csat_ratings", [
            {"id": 1, "conversation_id": 2, "agent_id": 1, "score": 5},
            {"id": 2, "conversation_id": 3, "agent_id": 2, "score": 2}])
        await insert_rows(conn, "tickets", _uniform([
            {"id": 1, "number": "K1", "customer_id": 2, "channel": "web", "assignee_id": 1,
             "subject": "a", "status": "solved", "created_at": _t("2026-01-10 10:00"),
             "first_response_due": _t("2026-01-10 11:00"),
             "first_responded_at": _t("2026-01-10 10:30"),
             "resolution_due": _t("2026-01-10 18:00"), "solved_at": _t("2026-01-10 12:00")},
            {"id": 2, "number": "K2", "customer_id": 3, "channel": "voice", "assignee_id": 2,
             "subject": "b", "status": "solved", "created_at": _t("2026-01-11 08:00"),
             "first_response_due": _t("2026-01-11 09:00"),
             "first_responded_at": _t("2026-01-11 09:30"),
             "resolution_due": _t("2026-01-11 16:00"), "solved_at": _t("2026-01-11 20:00")},
            {"id": 3, "number": "K3", "customer_id": 4, "channel": "email", "assignee_id": 1,
             "subject": "c", "status": "open", "created_at": _t("2026-01-11 10:00"),
             "first_response_due": _t("2026-01-11 11:00"),
             "resolution_due": _t("2026-01-11 18:00")},
        ]))
        await reset_sequences(conn)
    await engine.dispose()


@pytest.fixture
async def seeded(database_url: str) -> str:
    await _seed(database_url)
    return database_url


async def test_refresh_stores_hand_computed_rfm(seeded: str) -> None:
    engine = create_engine(seeded)
    uow = SqlUnitOfWork(create_session_factory(engine))
    try:
        assert (await customer_insight(uow, 1)).segment == NOT_COMPUTED
        report = await refresh(engine, load_config(CONFIG_DIR), as_of=_t("2026-01-31"))
        # Too little history for the models: said, not crashed.
        assert any("lifetime value skipped" in n for n in report.notes)
        assert any("churn risk skipped" in n for n in report.notes)
        async with engine.connect() as conn:
            rows = {r.customer_id: r for r in (await conn.execute(
                select(CustomerAnalytics).order_by(CustomerAnalytics.customer_id))).all()}
        got = [(r.recency_days, r.frequency, r.monetary, r.r_score, r.f_score, r.m_score,
                r.segment) for r in rows.values()]
        assert got == [
            (1, 3, 200.0, 5, 4, 3, "champions"),
            (10, 1, 300.0, 4, 1, 4, "promising"),     # the cancelled order does not count
            (30, 2, 50.0, 3, 3, 2, "need_attention"),
            (90, 1, 10.0, 2, 1, 1, "hibernating"),
            (180, 4, 2000.0, 1, 5, 5, "cant_lose"),
            (None, 0, 0.0, None, None, None, "no_orders"),
        ]
        insight = await customer_insight(uow, 5)
        assert (insight.segment, insight.rfm, insight.clv_historical) == ("cant_lose", "155",
                                                                          2000.0)
        assert insight.priority == pytest.approx(0.6)  # top value, no risk score yet
        signals = await priority_signals(uow, [5, 4, 6, 999])
        assert signals == {5: 0.6, 4: 0.0, 6: 0.0, 999: 0.0}
        with pytest.raises(CustomerNotFound):
            await customer_insight(uow, 999)
        # A second refresh replaces the rows rather than adding to them.
        await refresh(engine, load_config(CONFIG_DIR), as_of=_t("2026-01-31"))
        async with engine.connect() as conn:
            assert len((await conn.execute(select(CustomerAnalytics.customer_id))).all()) == 6
    finally:
        await engine.dispose()


async def test_service_report_by_hand(seeded: str) -> None:
    engine = create_engine(seeded)
    try:
        async with engine.connect() as conn:
            report = await service_report(conn, date(2026, 1, 1), date(2026, 1, 31),
                                          now=_t("2026-01-12"))
            with pytest.raises(InvalidInput):
                await service_report(conn, date(2026, 2, 1), date(2026, 1, 1))
    finally:
        await engine.dispose()
    rows = {(r["dimension"], r["key"]): r for r in report.rows}
    total = rows[("total", "all")]
    assert total["conversations"] == 4 and total["contained"] == 2
    assert total["containment_rate"] == 0.5 and total["handoffs"] == 2
    assert total["tickets"] == 3
    # First responses 30 and 90 min; resolutions 2 and 12 h; p90 interpolates linearly.
    assert (total["first_response_mean_min"], total["first_response_p90_min"]) == (60, 84)
    assert (total["resolution_mean_h"], total["resolution_p90_h"]) == (7, 11)
    # K1 met both; K2 late on both; K3 never answered and past due on both.
    assert total["first_response_sla"] == total["resolution_sla"] == 0.3333
    assert (total["csat_ratings"], total["csat_mean"], total["csat_score"]) == (2, 3.5, 0.5)
    assert total["csat_response_rate"] == 0.6667  # 2 rated of 3 ended conversations
    web = rows[("channel", "web")]
    assert (web["conversations"], web["contained"], web["tickets"]) == (3, 2, 1)
    assert (web["csat_score"], web["csat_response_rate"]) == (1.0, 0.5)
    ann = rows[("agent", "1 Ann")]
    assert (ann["conversations"], ann["tickets"], ann["first_response_sla"]) == (1, 2, 0.5)
    day = rows[("day", "2026-01-10")]
    assert (day["conversations"], day["tickets"], day["csat_mean"]) == (2, 1, 5.0)
    assert report.handoff_reasons == {"needs a human": 1, "angry": 1}
    assert ("day", "2026-02-11") not in rows


def test_cli_report_refresh_and_errors(sqlite_url: str, tmp_path: Path, monkeypatch) -> None:
    import asyncio

    from bot.cli import main

    asyncio.run(_seed(sqlite_url))
    monkeypatch.setenv("KEFU_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    out = runner.invoke(main, ["analytics", "report", "--from", "2026-01-01", "--to",
                               "2026-01-31", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["rows"][0]["conversations"] == 4 and data["from"] == "2026-01-01"
    chart = tmp_path / "report.png"
    out = runner.invoke(main, ["analytics", "report", "--format", "csv", "--by", "channel",
                               "--chart", str(chart)])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0].startswith("dimension,key,conversations")
    assert {line.split(",")[1] for line in lines[1:]} == {"web", "voice", "email"}
    assert chart.read_bytes()[:4] == b"\x89PNG"
    out = runner.invoke(main, ["analytics", "report", "--from", "2026-02-01", "--to",
                               "2026-01-01"])
    assert out.exit_code == 1 and "--from must not be after --to" in out.output
    assert "Traceback" not in out.output
    out = runner.invoke(main, ["analytics", "refresh", "--as-of", "2026-01-31"])
    assert out.exit_code == 0, out.output
    assert "6 customers" in out.output and "champions" in out.output
    out = runner.invoke(main, ["analytics", "refresh", "--json"])
    assert out.exit_code == 0, out.output
    segments = {s["segment"]: s for s in json.loads(out.output)["segments"]}
    assert segments["no_orders"]["median_recency_days"] is None
    out = runner.invoke(main, ["analytics", "customer", "5", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["segment"] == "cant_lose"
    out = runner.invoke(main, ["analytics", "customer", "999"])
    assert out.exit_code == 1 and "999" in out.output and "Traceback" not in out.output
    out = runner.invoke(main, ["analytics", "churn-eval", "--json"])
    assert out.exit_code == 1 and "Traceback" not in out.output


async def _seed_generated(url: str, n: int = 400) -> None:
    """A generated 18-month history (orders and tickets) in the database."""
    from crm_core.analytics.synthetic import generate_activity

    activity = generate_activity(n, end=datetime(2026, 11, 1, tzinfo=UTC), seed=5)
    await upgrade(url)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await insert_rows(conn, "customers", [{"id": int(i), "name": f"c{i}"}
                                              for i in activity.customer_ids])
        await insert_rows(conn, "orders", [
            {"id": k, "number": f"G{k}", "customer_id": int(r.customer_id),
             "placed_at": r.placed_at.to_pydatetime(), "total": round(float(r.total), 2),
             "status": "delivered"}
            for k, r in enumerate(activity.orders.itertuples(), 1)])
        await insert_rows(conn, "tickets", [
            {"id": k, "number": f"GT{k}", "customer_id": int(r.customer_id), "subject": "s",
             "created_at": r.created_at.to_pydatetime()}
            for k, r in enumerate(activity.tickets.itertuples(), 1)])
        await reset_sequences(conn)
    await engine.dispose()


async def test_refresh_with_models_on_a_generated_history(database_url: str,
                                                          tmp_path: Path) -> None:
    await _seed_generated(database_url)
    engine = create_engine(database_url)
    try:
        report = await refresh(engine, load_config(CONFIG_DIR), model_dir=tmp_path)
        assert report.notes == [] and report.cluster_k is not None
        assert (tmp_path / "churn.joblib").exists() and (tmp_path / "clv.joblib").exists()
        async with engine.connect() as conn:
            rows = (await conn.execute(select(
                CustomerAnalytics.churn_risk, CustomerAnalytics.clv_12m,
                CustomerAnalytics.churn_reasons, CustomerAnalytics.cluster))).all()
        assert len(rows) == 400
        assert all(0 <= r.churn_risk <= 1 and r.clv_12m >= 0 and r.cluster is not None
                   for r in rows)
        risky = [r for r in rows if r.churn_risk >= 0.5]
        assert risky and any(r.churn_reasons for r in risky)
        assert all(not r.churn_reasons for r in rows if r.churn_risk < 0.5)
        uow = SqlUnitOfWork(create_session_factory(engine))
        insight = await customer_insight(uow, 1)
        assert insight.churn_risk is not None and 0 <= insight.priority <= 1
    finally:
        await engine.dispose()


def test_cli_churn_eval_json(sqlite_url: str, tmp_path: Path, monkeypatch) -> None:
    import asyncio

    from bot.cli import main

    asyncio.run(_seed_generated(sqlite_url))
    monkeypatch.setenv("KEFU_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    out = CliRunner().invoke(main, ["analytics", "churn-eval", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert 0.5 < data["roc_auc"] <= 1 and 0 < data["baseline_roc_auc"] <= 1
    out = CliRunner().invoke(main, ["analytics", "clv-eval", "--json", "--holdout-days", "90"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["customers"] > 0
