"""Each NLU component on its own: language, tokens, entities, synonyms, sentiment, payloads."""

from __future__ import annotations

import pytest

from bot.nlu.components.base import Message
from bot.nlu.components.entities_rules import (
    LookupEntityExtractor,
    RegexEntityExtractor,
    SpacyMatcherEntityExtractor,
    SynonymMapper,
)
from bot.nlu.components.intent import FallbackClassifier
from bot.nlu.components.sentiment import LexiconSentiment
from bot.nlu.errors import PipelineConfigError
from bot.nlu.payload import parse_payload
from bot.nlu.registry import get, names
from bot.nlu.text import clean, detect_language, tokenize
from bot.nlu.training_data import RegexPattern, TrainingData


@pytest.mark.parametrize(
    ("text", "language"),
    [("where is my order", "en"), ("我的订单在哪里", "zh"), ("我的order在哪", "zh"),
     ("where is my 订单 order please", "en"), ("请问 refund policy 是什么", "zh"),
     ("", "en"), ("12345", "en"), ("🙂🙂", "en")],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_tokenize_english_chinese_and_mixed_with_offsets() -> None:
    text = "我的order KF-12345在哪里?"
    tokens = tokenize(text)
    assert [t.text for t in tokens][:4] == ["我", "的", "order", "KF-12345"]
    assert all(text[t.start:t.end] == t.text for t in tokens)
    assert [t.text for t in tokenize("在哪里", "char")] == ["在", "哪", "里"]


def test_clean_keeps_length_and_removes_controls() -> None:
    assert clean("a\x00b\u200b１２") == "a b 12"
    assert clean(None) == "" and clean(42) == "42"


def regex_entities(text: str, data: TrainingData | None = None) -> dict[str, str]:
    extractor = RegexEntityExtractor().fit(data or TrainingData(), [])
    message = Message(text)
    extractor.process(message)
    SynonymMapper().fit(TrainingData(), []).process(message)  # resolves overlaps
    return {e.entity: e.value for e in message.entities}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where is order KF-20451?", {"order_number": "KF-20451"}),
        ("my order kf20451 is late", {"order_number": "KF-20451"}),
        ("order #5562301 please", {"order_number": "5562301"}),
        ("order 1234567 hasn't come", {"order_number": "1234567"}),
        ("订单号20240501还没到", {"order_number": "20240501"}),
        ("email me at li.wei@example.cn pls", {"email": "li.wei@example.cn"}),
        ("call +86 138 0013 8000", {"phone": "+86 138 0013 8000"}),
        ("我的手机13800138000", {"phone": "13800138000"}),
        ("ring 415-555-0132 tonight", {"phone": "415-555-0132", "date": "tonight"}),
        ("refund $25.99 please", {"money": "$25.99"}),
        ("退款100元", {"money": "100元"}),
        ("it cost 12000 yuan", {"money": "12000 yuan"}),
        ("ticket 4521 status", {"ticket_number": "T-4521"}),
        ("工单号 88231 怎么样了", {"ticket_number": "T-88231"}),
        ("check TK-5521", {"ticket_number": "T-5521"}),
        ("any news on T-10023", {"ticket_number": "T-10023"}),
        ("arrived on May 3rd", {"date": "May 3rd"}),
        ("delivered 2024-05-01", {"date": "2024-05-01"}),
        ("上周三下的单", {"date": "上周三"}),
        ("5月3日买的", {"date": "5月3日"}),
    ],
)
def test_builtin_regex_entities(text: str, expected: dict[str, str]) -> None:
    assert regex_entities(text) == expected


def test_training_data_regex_wins_over_builtin() -> None:
    data = TrainingData(regexes=[RegexPattern("voucher", r"VC\d{6}")])
    assert regex_entities("use VC123456 now", data) == {"voucher": "VC123456"}


def test_lookup_from_data_and_runtime_tables() -> None:
    data = TrainingData(lookups={"category": ["kitchen", "厨房用品"]})
    lookup = LookupEntityExtractor().fit(data, [])
    lookup.set_lookup("product", ["Kettle Pro", "Tea Set", "茶具"])
    message = Message("any KETTLE PRO or tea sets? 还有茶具和厨房用品")
    lookup.process(message)
    found = sorted((e.entity, e.value, e.text) for e in message.entities)
    # "tea sets" is not a whole-word match of "Tea Set"; Chinese needs no word boundary
    assert found == [("category", "厨房用品", "厨房用品"), ("product", "Kettle Pro", "KETTLE PRO"),
                     ("product", "茶具", "茶具")]
    lookup.set_lookup("product", ["Tea Sets"])  # replaces the run-time table
    message = Message("any KETTLE PRO or tea sets?")
    lookup.process(message)
    assert [e.value for e in message.entities] == ["Tea Sets"]


def test_lookup_survives_pickling() -> None:
    import pickle

    lookup = LookupEntityExtractor().fit(TrainingData(), [])
    lookup.set_lookup("product", ["Desk Lamp"])
    lookup.process(Message("desk lamp"))  # compiles the pattern
    clone = pickle.loads(pickle.dumps(lookup))
    message = Message("the desk lamp")
    clone.process(message)
    assert message.entities[0].value == "Desk Lamp"


def test_spacy_matcher_rules() -> None:
    matcher = SpacyMatcherEntityExtractor().fit(TrainingData(), [])
    message = Message("I paid 20 bucks two weeks ago")
    matcher.process(message)
    assert {(e.entity, e.text) for e in message.entities} == {
        ("money", "20 bucks"), ("date", "two weeks ago")}
    with pytest.raises(PipelineConfigError):
        SpacyMatcherEntityExtractor(patterns=[{"label": "x", "pattern": [{"BAD": 1}]}]).fit(
            TrainingData(), [])


def test_synonyms_are_case_insensitive_and_overlaps_resolved() -> None:
    from bot.nlu.types import Entity

    mapper = SynonymMapper().fit(TrainingData(synonyms={"earphones": "wireless earbuds"}), [])
    message = Message("EARPHONES")
    message.entities = [Entity("product", "EARPHONES", 0, 9, "EARPHONES", "lookup"),
                        Entity("product", "EAR", 0, 3, "EAR", "token_classifier")]
    mapper.process(message)
    assert [(e.value, e.extractor) for e in message.entities] == [("wireless earbuds", "lookup")]


@pytest.mark.parametrize(
    ("text", "label", "frustrated"),
    [
        ("thanks, that was really helpful!", "positive", False),
        ("where is my order", "neutral", False),
        ("this is terrible service", "negative", False),
        ("THIS IS THE THIRD TIME I ASK, UNACCEPTABLE!!!", "negative", True),
        ("not bad at all", "positive", False),
        ("not good", "negative", False),
        ("谢谢，非常满意", "positive", False),
        ("快递到哪了", "neutral", False),
        ("你们服务太差了，气死我了！", "negative", True),
        ("又没收到，到底怎么回事", "negative", True),
    ],
)
def test_sentiment_english_and_chinese(text: str, label: str, frustrated: bool) -> None:
    result = LexiconSentiment().score(text)
    assert -1.0 <= result.score <= 1.0
    assert (result.label, result.frustrated) == (label, frustrated), result


def test_fallback_threshold_and_ambiguity() -> None:
    fallback = FallbackClassifier(threshold=0.5, ambiguity_threshold=0.1)
    low = Message("x", intent_ranking=[("greet", 0.4), ("deny", 0.1)])
    close = Message("x", intent_ranking=[("greet", 0.55), ("deny", 0.5)])
    sure = Message("x", intent_ranking=[("greet", 0.9), ("deny", 0.05)])
    for message in (low, close, sure):
        fallback.process(message)
    assert low.intent_ranking[0] == ("nlu_fallback", 0.5)
    assert low.intent_ranking[1] == ("greet", 0.4)
    assert close.intent_ranking[0][0] == "nlu_fallback"
    assert sure.intent_ranking[0] == ("greet", 0.9)


def test_payloads() -> None:
    result = parse_payload('/order_status{"order_number": "KF-1", "product": ["a", "b"]}')
    assert result is not None
    assert (result.intent.name, result.intent.confidence) == ("order_status", 1.0)
    assert [(e.entity, e.value) for e in result.entities] == [
        ("order_number", "KF-1"), ("product", "a"), ("product", "b")]
    broken = parse_payload('/affirm{"oops}')
    assert broken is not None and broken.intent.name == "affirm" and broken.entities == ()
    assert parse_payload("/ not a payload") is None
    assert parse_payload("hello") is None


def test_registry_names_are_versioned_and_unknown_names_rejected() -> None:
    assert names() and all(n.startswith("kefu.") and ".v" in n for n in names())
    with pytest.raises(PipelineConfigError, match="unknown component"):
        get("kefu.nope.v1")
