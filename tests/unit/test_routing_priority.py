"""The priority score: each signal moves a customer forward as documented."""

from __future__ import annotations

import pytest

from routing.config import PriorityWeights, RoutingConfig, load_config
from routing.model import Task
from routing.priority import priority_score, score_breakdown, sla_urgency
from crm_core.errors import InvalidInput

# Explicit weights, so the tests pin the formula rather than today's defaults.
W = PriorityWeights(tier={"standard": 0, "silver": 5, "gold": 12, "vip": 40},
                    negative_sentiment=45, aging_per_minute=4, sla=30, sla_warning_seconds=120,
                    channel={"voice": 15, "chat": 0, "email": -20})


def task(**kw: object) -> Task:
    return Task(task_id=str(kw.pop("task_id", "t")), enqueued_at=float(kw.pop("at", 0.0)), **kw)  # type: ignore[arg-type]


def test_vip_outranks_standard_waiting_the_same() -> None:
    assert priority_score(task(tier="vip"), 10, W) > priority_score(task(tier="standard"), 10, W)


def test_angry_outranks_calm_and_positive_sentiment_is_not_a_bonus() -> None:
    angry, calm, happy = task(sentiment=-0.8), task(sentiment=0.0), task(sentiment=0.9)
    assert priority_score(angry, 0, W) - priority_score(calm, 0, W) == pytest.approx(0.8 * 45)
    assert priority_score(happy, 0, W) == priority_score(calm, 0, W)


def test_aging_lets_a_long_wait_overtake_a_fresh_vip() -> None:
    old = task(task_id="old", at=0)
    vip = task(task_id="vip", tier="vip", at=900)
    assert priority_score(old, 900, W) > priority_score(vip, 900, W)  # 15 min * 4 > 40
    assert priority_score(old, 300, W) < priority_score(task(tier="vip", at=300), 300, W)


def test_voice_before_chat_before_email() -> None:
    scores = [priority_score(task(channel=c), 0, W) for c in ("voice", "web", "email")]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3


def test_sla_urgency_rises_towards_and_past_the_deadline() -> None:
    t = task(sla_due_at=300.0)
    assert sla_urgency(t, 0, 120) == 0.0
    assert sla_urgency(t, 240, 120) == pytest.approx(0.5)
    assert sla_urgency(t, 301, 120) == 2.0
    assert sla_urgency(task(), 10_000, 120) == 0.0
    assert score_breakdown(t, 301, W).sla == pytest.approx(60.0)


def test_customer_value_signal_adds_up_to_its_weight() -> None:
    base = priority_score(task(), 0, W)
    assert priority_score(task(value=0.5), 0, W) - base == pytest.approx(W.customer_value / 2)
    assert priority_score(task(value=7.0), 0, W) - base == pytest.approx(W.customer_value)


def test_breakdown_total_is_the_score() -> None:
    t = task(tier="gold", sentiment=-0.5, channel="voice", sla_due_at=100.0)
    parts = score_breakdown(t, 90, W)
    assert parts.total == pytest.approx(priority_score(t, 90, W))
    assert parts.tier == 12 and parts.channel == 15


def test_config_file_loads_and_rejects_unknown_keys(tmp_path) -> None:
    assert isinstance(load_config(), RoutingConfig)
    bad = tmp_path / "routing.yml"
    bad.write_text("policy: kefu\nweights_typo: 3\n")
    with pytest.raises(InvalidInput):
        load_config(bad)
    bad.write_text("matching:\n  relax_topic_level: [[30, 2]]\n")
    with pytest.raises(InvalidInput):
        load_config(bad)


def test_priority_work_is_vip_or_angry_under_kefu_only() -> None:
    cfg = RoutingConfig()
    vip, angry, calm = task(tier="vip"), task(sentiment=-0.6), task(sentiment=-0.2)
    assert cfg.is_priority_work(vip) and cfg.is_priority_work(angry)
    assert not cfg.is_priority_work(calm) and not cfg.is_priority_work(task())
    assert [cfg.offer_timeout_for(t) for t in (vip, calm)] == [15.0, 30.0]
    fifo = RoutingConfig(policy="fifo")
    assert not fifo.is_priority_work(vip) and fifo.offer_timeout_for(vip) == 30.0
    # The shorter reservation never lengthens the ordinary one.
    short = RoutingConfig(offer_timeout_seconds=10)
    assert short.offer_timeout_for(vip) == 10.0


def test_priority_work_config_is_validated(tmp_path) -> None:
    bad = tmp_path / "routing.yml"
    for text in ("priority_work:\n  reserved_slots: {sms: 1}\n",
                 "priority_work:\n  reserved_slots: {chat: -1}\n",
                 "priority_work:\n  offer_timeout_seconds: 0\n",
                 "priority_work:\n  relax_topic_level: [[10, 1]]\n"):
        bad.write_text(text)
        with pytest.raises(InvalidInput):
            load_config(bad)
    bad.write_text("priority_work:\n  reserved_slots: {}\n  relax_topic_level: null\n")
    cfg = load_config(bad)
    assert cfg.priority_work.reserved_slots == {} and cfg.priority_matching() == cfg.matching
