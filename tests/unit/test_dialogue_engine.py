"""The dialogue engine on a small domain, with the in-memory store (the engine's own port)
and plain rasa-sdk actions defined here."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa_sdk import Action
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.forms import FormValidationAction

from bot.dialogue.domain import parse_domain
from bot.dialogue.engine import DialogueEngine, EngineConfig
from bot.dialogue.rules import parse_rules
from bot.dialogue.store import InMemoryConversationStore
from bot.dialogue.tracker import DialogueTracker
from bot.messages import UserMessage
from bot.nlu.types import Entity, Intent, ParseResult, Sentiment
from crm_core.errors import InvalidInput

LANG = [{"type": "slot", "name": "language", "value": "zh"}]
DOMAIN = parse_domain({
    "intents": ["greet", "order_status", "human_handoff", "deny", "rephrase", "complaint",
                "nlu_fallback", "slow"],
    "entities": ["email", "order_number"],
    "slots": {
        "language": {"type": "text", "initial_value": "en", "mappings": [{"type": "custom"}]},
        "email": {"type": "text", "mappings": [{"type": "from_entity", "entity": "email"}]},
        "order_number": {"type": "text",
                         "mappings": [{"type": "from_entity", "entity": "order_number"}]},
        "handoff_reason": {"type": "text", "mappings": [{"type": "custom"}]},
        "conversation_id": {"type": "any", "mappings": [{"type": "custom"}]},
    },
    "forms": {"info_form": {"required_slots": ["email", "order_number"]}},
    "responses": {
        "utter_greet": [{"text": "hello"}, {"text": "你好", "condition": LANG}],
        "utter_ask_email": [{"text": "email?"}, {"text": "邮箱？", "condition": LANG}],
        "utter_ask_order_number": [{"text": "order?"}],
        "utter_did_you_mean": [{"text": "Did you mean:"}],
        "utter_something_else": [{"text": "Something else"}],
        "utter_ask_rephrase": [{"text": "rephrase please"}],
        "utter_default": [{"text": "ok"}],
    },
    "actions": ["action_done", "validate_info_form", "action_handoff", "action_slow"],
    "session_config": {"session_expiration_time": 60},
})
RULES = parse_rules({"rules": [
    {"rule": "g", "steps": [{"intent": "greet"}, {"action": "utter_greet"}]},
    {"rule": "o", "steps": [{"intent": "order_status"}, {"action": "info_form"},
                            {"active_loop": "info_form"}]},
    {"rule": "h", "steps": [{"intent": "human_handoff"}, {"action": "action_handoff"}]},
    {"rule": "d", "steps": [{"intent": "deny"}, {"action": "utter_ask_rephrase"}]},
    {"rule": "r", "steps": [{"intent": "rephrase"}, {"action": "utter_ask_rephrase"}]},
    {"rule": "c", "steps": [{"intent": "complaint"}, {"action": "utter_default"}]},
    {"rule": "s", "steps": [{"intent": "slow"}, {"action": "action_slow"}]},
    {"rule": "submit", "condition": [{"active_loop": "info_form"}],
     "steps": [{"action": "info_form"}, {"active_loop": None}, {"action": "action_done"}]},
]})


class ValidateInfoForm(FormValidationAction):
    def name(self) -> str:
        return "validate_info_form"

    def validate_email(self, value, dispatcher, tracker, domain):
        if "@" not in str(value):
            dispatcher.utter_message(text="bad email")
            return {"email": None}
        return {"email": value}


class ActionDone(Action):
    def name(self) -> str:
        return "action_done"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=f"done {tracker.get_slot('email')} "
                                      f"{tracker.get_slot('order_number')}")
        return [SlotSet("order_number", None)]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=f"handoff {tracker.get_slot('handoff_reason')}")
        return [ConversationPaused()]


class ActionSlow(Action):
    """Records when it ran, slowly, to show turns of one sender never overlap."""

    log: list[tuple[str, str]] = []

    def name(self) -> str:
        return "action_slow"

    async def run(self, dispatcher, tracker, domain):
        self.log.append(("start", tracker.latest_message["text"]))
        await asyncio.sleep(0.05)
        self.log.append(("end", tracker.latest_message["text"]))
        return []


class ScriptedNLU:
    """Stands in for the trained model: fixed answers for the texts used here."""

    def __init__(self) -> None:
        self.answers: dict[str, ParseResult] = {}

    def add(self, text: str, ranking: list[tuple[str, float]], score: float = 0.0,
            language: str = "en", **entities: str) -> None:
        intents = tuple(Intent(n, c) for n, c in ranking)
        found = tuple(Entity(k, v, 0, len(text), v, "test") for k, v in entities.items())
        self.answers[text] = ParseResult(text=text, intent=intents[0], intent_ranking=intents,
                                         entities=found, sentiment=Sentiment(score, "x"),
                                         language=language)

    def parse(self, text: str) -> ParseResult:
        from bot.dialogue.payload import BasicInterpreter

        return self.answers.get(text) or BasicInterpreter().parse(text)


@pytest.fixture
def nlu() -> ScriptedNLU:
    return ScriptedNLU()


@pytest.fixture
def store() -> InMemoryConversationStore:
    return InMemoryConversationStore()


@pytest.fixture
def engine(nlu, store) -> DialogueEngine:
    actions = {a.name(): a for a in (ValidateInfoForm(), ActionDone(), ActionHandoff(),
                                     ActionSlow())}
    return DialogueEngine(DOMAIN, RULES, actions, store, nlu,
                          config=EngineConfig(max_message_chars=50))


async def say(engine: DialogueEngine, text: str, sender: str = "u1") -> list[str]:
    replies = await engine.handle(UserMessage(sender, text, "rest"))
    return [r.text or "" for r in replies]


async def test_rule_and_language_variant(engine, nlu) -> None:
    assert await say(engine, "/greet") == ["hello"]
    nlu.add("你好", [("greet", 0.99)], language="zh")
    assert await say(engine, "你好") == ["你好"]
    assert await say(engine, "/greet") == ["你好"]  # payloads keep the language


async def test_form_prefill_validation_and_submit(engine, store, nlu) -> None:
    assert await say(engine, '/order_status{"order_number": "42"}') == ["email?"]
    assert await say(engine, "no idea") == ["email?"]  # nothing extracted: asked again
    nlu.add("it is ann-at-home", [("provide_identity", 0.9)], email="ann-at-home")
    assert await say(engine, "it is ann-at-home") == ["bad email", "email?"]
    assert await say(engine, "a@b.co") == ["done a@b.co 42"]
    conv = store.conversations["u1"]
    tracker = DialogueTracker.from_events("u1", DOMAIN, conv.events)
    assert tracker.active_loop is None and tracker.get_slot("order_number") is None
    # Messages are stored with their NLU results.
    first = store.messages[conv.conversation_id][0]
    assert first["intent"] == "order_status" and first["confidence"] == 1.0


async def test_digression_inside_a_form_then_the_question_again(engine) -> None:
    await say(engine, "/order_status")
    assert await say(engine, "/greet") == ["hello", "email?"]
    assert await say(engine, "/deny") == ["ok"]  # "no" leaves the form
    assert await say(engine, "/greet") == ["hello"]


async def test_fallback_buttons_then_rephrase_then_handoff(engine, nlu) -> None:
    nlu.add("hmm order?", [("order_status", 0.35), ("greet", 0.30), ("nlu_fallback", 0.3)])
    replies = await engine.handle(UserMessage("u2", "hmm order?", "rest"))
    assert replies[0].text == "Did you mean:"
    assert [b.payload for b in replies[0].buttons] == ["/order_status", "/greet", "/rephrase"]
    assert await say(engine, "/rephrase", "u2") == ["rephrase please"]
    assert await say(engine, "blah blah", "u2") == ["handoff repeated_fallback"]
    assert await say(engine, "/greet", "u2") == []  # paused


async def test_one_fallback_then_understood_resets_the_chain(engine) -> None:
    assert await say(engine, "gibberish", "u3") == ["rephrase please"]
    assert await say(engine, "/greet", "u3") == ["hello"]
    assert await say(engine, "gibberish", "u3") == ["rephrase please"]


async def test_two_strongly_negative_turns_hand_off(engine, nlu) -> None:
    nlu.add("awful", [("complaint", 0.9)], score=-0.9)
    nlu.add("still awful", [("complaint", 0.9)], score=-0.8)
    assert await say(engine, "awful", "u4") == ["ok"]
    assert await say(engine, "still awful", "u4") == ["handoff negative_sentiment"]


async def test_message_limits(engine) -> None:
    with pytest.raises(InvalidInput) as info:
        await say(engine, "x" * 51)
    assert info.value.details["max_chars"] == 50
    with pytest.raises(InvalidInput):
        await say(engine, "   ")


async def test_session_expiry_resets_slots(engine, store) -> None:
    await say(engine, '/order_status{"order_number": "42"}', "u5")
    conv = store.conversations["u5"]
    for event in conv.events:  # pretend all of this happened two hours ago
        event["timestamp"] = time.time() - 7200
    await say(engine, "/greet", "u5")
    tracker = DialogueTracker.from_events("u5", DOMAIN, conv.events)
    assert tracker.get_slot("order_number") is None and tracker.active_loop is None


async def test_turns_of_one_sender_never_overlap(engine) -> None:
    ActionSlow.log.clear()
    await asyncio.gather(*(engine.handle(UserMessage("u6", f"/slow{{\"n\": {i}}}", "rest"))
                           for i in range(4)))
    kinds = [k for k, _ in ActionSlow.log]
    assert kinds == ["start", "end"] * 4
    assert len(engine.locks) == 0  # locks are dropped when nobody waits


@pytest.mark.redis
async def test_redis_locks_serialise_across_engines(nlu, store, redis_url) -> None:
    import redis.asyncio as aioredis

    from bot.dialogue.locks import RedisSenderLocks

    client = aioredis.from_url(redis_url)
    actions = {"action_slow": ActionSlow()}
    engines = [DialogueEngine(DOMAIN, RULES, actions, store, nlu, RedisSenderLocks(client))
               for _ in range(2)]  # two "workers" sharing Redis
    ActionSlow.log.clear()
    await asyncio.gather(*(engines[i % 2].handle(UserMessage("u7", f"/slow{{\"n\": {i}}}", "r"))
                           for i in range(4)))
    assert [k for k, _ in ActionSlow.log] == ["start", "end"] * 4
    await client.aclose()


def test_replaying_only_the_current_session_gives_the_same_state() -> None:
    from bot.dialogue import tracker as ev

    events = [ev.session_started(), ev.slot_set("language", "zh"), ev.slot_set("email", "a@b.c"),
              ev.paused(), ev.session_started(), ev.slot_set("order_number", "7")]
    fast = DialogueTracker.from_events("x", DOMAIN, events)
    slow = DialogueTracker("x", DOMAIN, slots=DOMAIN.initial_slots())
    for event in events:
        slow.update(event)
    assert fast.slots == slow.slots and fast.paused is slow.paused is False
    assert fast.slots["language"] == "zh" and fast.slots["email"] is None
    assert len(fast.events) == len(events)


class BatchNLU(ScriptedNLU):
    """ScriptedNLU with ``parse_batch``, recording the batches it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def parse_batch(self, texts: list[str]) -> list[ParseResult]:
        self.batches.append(list(texts))
        return [self.parse(t) for t in texts]


async def test_concurrent_turns_are_parsed_in_one_batch(store) -> None:
    nlu = BatchNLU()
    nlu.add("hi", [("greet", 0.95)])
    engine = DialogueEngine(DOMAIN, RULES, {}, store, nlu)
    replies = await asyncio.gather(*(say(engine, "hi", f"s{i}") for i in range(8)))
    assert replies == [["hello"]] * 8
    assert len(nlu.batches) < 8 and sum(map(len, nlu.batches)) == 8
    # Alone, a message is parsed at once (no waiting for company).
    assert await say(engine, "hi", "alone") == ["hello"]
    assert nlu.batches[-1] == ["hi"]


async def test_kept_tracker_equals_a_replay_of_the_stored_events(engine, store, nlu) -> None:
    nlu.add("where is my order", [("order_status", 0.95)])
    metadata = {"customer_token": "secret"}
    await engine.handle(UserMessage("u9", "where is my order", "rest", metadata))
    await say(engine, "ann@example.com", "u9")
    kept = engine._trackers[store.conversations["u9"].conversation_id]
    replay = DialogueTracker.from_events("u9", DOMAIN, store.conversations["u9"].events)
    assert kept.events == replay.events and kept.slots == replay.slots
    assert (kept.active_loop, kept.paused, kept.latest_message) == (
        replay.active_loop, replay.paused, replay.latest_message)
    assert "secret" not in repr(kept.latest_message)


async def test_a_failed_turn_drops_the_kept_tracker(engine, store, nlu) -> None:
    await say(engine, "hello there", "u10")
    conversation_id = store.conversations["u10"].conversation_id
    assert conversation_id in engine._trackers

    async def broken(*args, **kwargs) -> None:
        raise RuntimeError("database down")

    store.record_bot = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await say(engine, "hello again", "u10")
    assert conversation_id not in engine._trackers
