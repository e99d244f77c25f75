"""Service-report figures on hand-made frames: SLA counting, containment, CSAT, and the
console's reason phrases and priority signal."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_core.analytics.insight import explain, priority_signal
from crm_core.analytics.models import CustomerAnalytics
from crm_core.analytics.service import build_report, metrics

NOW = pd.Timestamp("2026-01-12", tz="UTC")


def _ts(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True)


def _tickets() -> pd.DataFrame:
    # Met; late; open and past due (breached); open and not yet due (not counted).
    return pd.DataFrame({
        "id": [1, 2, 3, 4], "channel": ["web"] * 4, "agent_id": [1, 1, None, None],
        "created_at": _ts("2026-01-10 10:00", "2026-01-10 10:00", "2026-01-10 10:00",
                          "2026-01-11 23:00"),
        "first_responded_at": _ts("2026-01-10 10:10", "2026-01-10 12:00", None, None),
        "solved_at": _ts(None, None, None, None),
        "first_response_due": _ts("2026-01-10 11:00", "2026-01-10 11:00",
                                  "2026-01-10 11:00", "2026-01-12 01:00"),
        "resolution_due": _ts(None, None, None, None),
    })


def _conversations() -> pd.DataFrame:
    return pd.DataFrame({
        "id": [1, 2, 3], "channel": ["web", "web", "voice"], "agent_id": [None, 1, None],
        "status": ["closed", "closed", "queued"],
        "handoff_reason": [None, "billing", "angry"],
        "started_at": _ts("2026-01-10 09:00", "2026-01-10 10:00", "2026-01-11 08:00"),
        "ended_at": _ts("2026-01-10 09:05", "2026-01-10 11:00", None),
    })


def test_sla_counts_open_past_due_as_breached_and_skips_not_yet_due() -> None:
    m = metrics(_conversations(), _tickets(), pd.DataFrame({"score": []}), NOW)
    assert m["first_response_sla"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["resolution_sla"] is None  # no due times: nothing to attain
    assert (m["first_response_mean_min"], m["first_response_p90_min"]) == (65, 109)  # 10 and 120 min: 10 + 0.9 * 110
    assert m["resolution_mean_h"] is None and m["csat_score"] is None


def test_containment_and_csat_per_channel() -> None:
    csat = pd.DataFrame({"conversation_id": [1, 2], "score": [4, 3],
                         "channel": ["web", "web"], "agent_id": [None, 1],
                         "started_at": _ts("2026-01-10 09:00", "2026-01-10 10:00")})
    report = build_report(_conversations(), _tickets(), csat, {1: "Ann"}, now=NOW)
    rows = {(r["dimension"], r["key"]): r for r in report.rows}
    total = rows[("total", "all")]
    assert (total["contained"], total["handoffs"]) == (1, 2)
    assert total["containment_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert (total["csat_score"], total["csat_response_rate"]) == (0.5, 1.0)
    assert rows[("channel", "voice")]["csat_ratings"] == 0
    assert rows[("agent", "1 Ann")]["tickets"] == 2
    assert rows[("agent", "(bot / unassigned)")]["conversations"] == 2
    assert report.handoff_reasons == {"billing": 1, "angry": 1}
    assert list(report.frame().columns)[:3] == ["dimension", "key", "conversations"]


def test_priority_signal_and_reason_phrases() -> None:
    row = CustomerAnalytics(customer_id=1, m_score=5, churn_risk=0.5, segment="at_risk")
    assert priority_signal(row) == pytest.approx(0.8)
    assert priority_signal(CustomerAnalytics(customer_id=2, m_score=1, churn_risk=None,
                                             segment="lost")) == 0.0
    assert priority_signal(None) == 0.0
    assert explain([{"feature": "recency_days", "value": 120.0, "effect": 0.21}]) == [
        "days since last order = 120.0 (+0.21 risk)"]


def test_team_rows_follow_the_agents_team() -> None:
    conv = pd.concat([_conversations(), pd.DataFrame({
        "id": [4], "channel": ["web"], "agent_id": [2], "status": ["closed"],
        "handoff_reason": ["billing"], "started_at": _ts("2026-01-11 09:00"),
        "ended_at": _ts("2026-01-11 09:30")})], ignore_index=True)
    csat = pd.DataFrame({"conversation_id": [2, 4], "score": [5, 2], "channel": ["web"] * 2,
                         "agent_id": [1, 2], "started_at": _ts("2026-01-10 10:00",
                                                              "2026-01-11 09:00")})
    report = build_report(conv, _tickets(), csat, {1: "Ann", 2: "Bo"}, now=NOW,
                          teams={1: "billing", 2: None})
    rows = {(r["dimension"], r["key"]): r for r in report.rows if r["dimension"] == "team"}
    assert set(rows) == {("team", "billing"), ("team", "(no team)"),
                         ("team", "(bot / unassigned)")}
    billing = rows[("team", "billing")]
    assert (billing["conversations"], billing["tickets"], billing["csat_mean"]) == (1, 2, 5.0)
    assert rows[("team", "(no team)")]["csat_score"] == 0.0
    assert rows[("team", "(bot / unassigned)")]["conversations"] == 2
    # Without team data (older callers) there are no team rows.
    assert "team" not in {r["dimension"] for r in build_report(
        conv, _tickets(), csat, {1: "Ann"}, now=NOW).rows}
