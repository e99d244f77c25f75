"""The live-chat hub (the chat side's contract) and handoff -> task mapping."""

from __future__ import annotations

import pytest

from crm_core.errors import InvalidInput, RuleViolation
from routing.config import RoutingConfig
from routing.handoff import HandoffRequest
from routing.live import LiveChatHub, LiveKind, LiveSession
from routing.queue_handoff import task_from_request, task_id_for


async def test_messages_flow_both_ways_only_while_an_agent_holds_it() -> None:
    hub = LiveChatHub()
    assert not await hub.post_customer_message("s1", "hello?")
    async with hub.customer_feed("s1") as customer, hub.agent_feed(7) as agent:
        hub.open(LiveSession("s1", 10, "conv-10", 7, "Alice"))
        assert hub.is_with_agent("s1")
        assert (await customer.get(1)).kind is LiveKind.AGENT_JOINED
        assert await hub.post_customer_message("s1", "my mug broke")
        heard = await agent.get(1)
        assert (heard.kind, heard.text, heard.data["task_id"]) == (
            LiveKind.CUSTOMER, "my mug broke", "conv-10")
        await hub.post_agent_message("s1", 7, "sorry to hear")
        said = await customer.get(1)
        assert said.to_wire()["type"] == "agent" and said.to_wire()["text"] == "sorry to hear"
        with pytest.raises(LookupError):
            await hub.post_agent_message("s1", 8, "not my customer")
        hub.close("s1")
        assert [(await customer.get(1)).kind for _ in range(2)] == [
            LiveKind.CLOSED, LiveKind.CSAT_REQUEST]
    assert not hub.is_with_agent("s1") and not hub.has_agent_feed(7)


async def test_csat_is_validated_recorded_once() -> None:
    stored: list[tuple[int, int, str | None]] = []

    async def record(session: LiveSession, score: int, comment: str | None) -> None:
        stored.append((session.conversation_id, score, comment))

    hub = LiveChatHub(csat_recorder=record)
    with pytest.raises(RuleViolation):
        await hub.submit_csat("s1", 5)
    hub.open(LiveSession("s1", 10, "conv-10", 7))
    hub.close("s1")
    for bad in (0, 6, "5", True):
        with pytest.raises(InvalidInput):
            await hub.submit_csat("s1", bad)  # type: ignore[arg-type]
    await hub.submit_csat("s1", 4, "fine")
    with pytest.raises(RuleViolation):
        await hub.submit_csat("s1", 5)
    assert stored == [(10, 4, "fine")]


def test_handoff_request_becomes_a_prioritised_task() -> None:
    config = RoutingConfig(intent_topics={"cancel_order": "orders"})
    angry = HandoffRequest(conversation_id=5, sender_id="s", channel="voice",
                           reason="negative_sentiment", language="zh", intent="cancel_order")
    task = task_from_request(angry, config, tier="gold", ticket_id=3, value=0.4)
    assert task.value == 0.4
    assert (task.task_id, task.kind, task.language, task.topic, task.tier) == (
        "conv-5", "voice", "zh", "orders", "gold")
    assert task.sentiment == config.negative_handoff_sentiment and task.ticket_id == 3
    vip = HandoffRequest(conversation_id=0, sender_id="abc", channel="web",
                         reason="vip_complaint", sentiment_score=-0.2, intent="unknown")
    task = task_from_request(vip, config, tier=None)
    assert (task.tier, task.topic, task.sentiment, task_id_for(vip)) == (
        "vip", None, -0.2, "sender-abc")
