"""The dialogue state kept between turns is bounded (conversations and events, LRU), and a
conversation that fell out of the cache continues exactly as a kept one would."""

from __future__ import annotations

from bot.dialogue.engine import DialogueEngine, EngineConfig
from bot.dialogue.lru import BoundedLru
from bot.dialogue.store import InMemoryConversationStore
from bot.dialogue.tracker import DialogueTracker
from bot.messages import UserMessage
from tests.unit.test_dialogue_engine import DOMAIN, RULES, ScriptedNLU


def test_lru_bounds_entries_and_weight() -> None:
    cache: BoundedLru[str, list[int]] = BoundedLru(3, 10, len)
    for key in "abc":
        cache.put(key, [1, 2])
    cache.get("a")  # a is now the most recent
    cache.put("d", [1, 2])
    assert "b" not in cache and len(cache) == 3 and cache.total_weight == 6
    cache.put("e", [1] * 7)  # weight 13 > 10: the least recent go until it fits
    assert list(cache._items) == ["d", "e"] and cache.total_weight == 9
    cache.put("huge", [1] * 11)  # heavier than the whole bound: not kept at all
    assert "huge" not in cache and cache.total_weight == 9
    assert cache.pop("e") == [1] * 7 and cache.total_weight == 2 and len(cache) == 1


async def test_engine_cache_stays_bounded_over_many_conversations() -> None:
    store, nlu = InMemoryConversationStore(), ScriptedNLU()
    engine = DialogueEngine(DOMAIN, RULES, {}, store, nlu, config=EngineConfig(
        tracker_cache_size=20, tracker_cache_events=400))
    for i in range(200):
        await engine.handle(UserMessage(f"s{i}", "/greet", "rest"))
        assert len(engine._trackers) <= 20 and engine._trackers.total_weight <= 400
    # One long conversation cannot take more than the event bound either.
    for _ in range(60):
        await engine.handle(UserMessage("talker", "/greet", "rest"))
    assert engine._trackers.total_weight <= 400
    # An evicted conversation is replayed from the store and goes on the same.
    conversation_id = store.conversations["s0"].conversation_id
    assert conversation_id not in engine._trackers
    replies = await engine.handle(UserMessage("s0", "/greet", "rest"))
    assert [r.text for r in replies] == ["hello"]
    kept = engine._trackers[conversation_id]
    replay = DialogueTracker.from_events("s0", DOMAIN, store.conversations["s0"].events)
    assert kept.events == replay.events and kept.slots == replay.slots


def test_default_bounds_come_from_settings() -> None:
    from bot.settings import Settings

    settings = Settings(tracker_cache_size=5, tracker_cache_events=99)
    assert (settings.tracker_cache_size, settings.tracker_cache_events) == (5, 99)
    assert EngineConfig().tracker_cache_size == 10_000
