"""Train on a tiny set, save, load, parse the same; config errors; parse never raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlu import load_interpreter, train
from bot.nlu.errors import ModelNotFound, PipelineConfigError
from bot.nlu.interpreter import KefuInterpreter
from bot.nlu.types import ParseResult

TINY = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hi
      - hello there
      - hey
      - good morning
      - 你好
      - 您好
  - intent: order_status
    examples: |
      - where is my order [KF-12345](order_number)
      - status of order [KF-55555](order_number)
      - where is my [kettle](product)
      - has my [tea set](product) shipped
      - 我的订单到哪了
      - 订单状态
  - intent: goodbye
    examples: |
      - bye
      - see you later
      - goodbye
      - talk soon
      - 再见
      - 拜拜
  - synonym: Kettle Pro
    examples: |
      - kettle
  - lookup: product
    examples: |
      - tea set
"""

TINY_CONFIG = """\
version: 1
pipeline:
  - name: kefu.script_language.v1
  - name: kefu.spacy_blank_tokenizer.v1
  - name: kefu.tfidf_linear_intent.v1
  - name: kefu.fallback.v1
    threshold: 0.3
    ambiguity_threshold: 0.0
  - name: kefu.regex_entities.v1
  - name: kefu.lookup_entities.v1
  - name: kefu.spacy_matcher_entities.v1
  - name: kefu.token_classifier_entities.v1
  - name: kefu.synonyms.v1
  - name: kefu.lexicon_sentiment.v1
"""


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    (root / "nlu.yml").write_text(TINY, encoding="utf-8")
    (root / "config.yml").write_text(TINY_CONFIG, encoding="utf-8")
    return train([root / "nlu.yml"], root / "config.yml", root / "model")


@pytest.fixture(scope="module")
def tiny(tiny_model: Path) -> KefuInterpreter:
    return load_interpreter(tiny_model)


def test_train_save_load_parse_the_same(tiny_model: Path, tiny: KefuInterpreter) -> None:
    texts = ["hello", "where is order KF-99999", "我的订单呢", "bye bye", "is my kettle here?"]
    first = [tiny.parse(t).to_dict() for t in texts]
    again = load_interpreter(tiny_model)
    assert [again.parse(t).to_dict() for t in texts] == first
    assert [r["intent"]["name"] for r in first] == [
        "greet", "order_status", "order_status", "goodbye", "order_status"]


def test_metadata_records_config_and_data_hash(tiny_model: Path) -> None:
    meta = json.loads((tiny_model / "metadata.json").read_text())
    assert meta["format_version"] == 1
    assert len(meta["data_sha256"]) == 64
    assert meta["intents"] == ["goodbye", "greet", "order_status"]
    assert meta["config"]["pipeline"][2]["name"] == "kefu.tfidf_linear_intent.v1"
    assert meta["model_bytes"] > 0 and meta["n_examples"] == 18


def test_parse_result_shape(tiny: KefuInterpreter) -> None:
    result = tiny.parse("where is my kettle? order KF-12345, this is ridiculous!!")
    assert isinstance(result, ParseResult)
    names = [i.name for i in result.intent_ranking]
    assert result.intent.name == names[0] == "order_status"
    confidences = [i.confidence for i in result.intent_ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert abs(sum(confidences) - 1.0) < 1e-3
    entities = {e.entity: e.value for e in result.entities}
    assert entities == {"product": "Kettle Pro", "order_number": "KF-12345"}
    assert result.sentiment.label == "negative" and result.sentiment.frustrated
    assert result.language == "en"
    wire = result.to_dict()
    assert set(wire) == {"text", "intent", "intent_ranking", "entities", "sentiment", "language"}


def test_run_time_lookup(tiny: KefuInterpreter) -> None:
    tiny.set_lookup("product", ["Bamboo Cutting Board"])
    result = tiny.parse("has my bamboo cutting board shipped")
    assert ("product", "Bamboo Cutting Board") in {(e.entity, e.value) for e in result.entities}


def test_payload_skips_nlu(tiny: KefuInterpreter) -> None:
    result = tiny.parse('/cancel_order{"order_number": "KF-777"}')
    assert (result.intent.name, result.intent.confidence) == ("cancel_order", 1.0)
    assert [(e.entity, e.value) for e in result.entities] == [("order_number", "KF-777")]


def test_empty_message_is_fallback(tiny: KefuInterpreter) -> None:
    assert tiny.parse("").intent.name == "nlu_fallback"
    assert tiny.parse("   \n").intent.name == "nlu_fallback"


def test_bad_config_and_missing_model(tmp_path: Path) -> None:
    bad = tmp_path / "c.yml"
    bad.write_text("pipeline:\n  - name: kefu.nope.v1\n")
    with pytest.raises(PipelineConfigError, match="unknown component"):
        train(config_path=bad, out_dir=tmp_path / "m")
    bad.write_text("pipeline:\n  - name: kefu.fallback.v1\n    thresold: 0.3\n")
    with pytest.raises(PipelineConfigError, match="thresold"):
        train(config_path=bad, out_dir=tmp_path / "m")
    with pytest.raises(ModelNotFound, match="kefu nlu train"):
        load_interpreter(tmp_path / "absent")


def test_corrupt_model_and_unfitted_components(tmp_path: Path, tiny_model: Path) -> None:
    import shutil

    from sklearn.exceptions import NotFittedError

    from bot.nlu.components.base import Message
    from bot.nlu.components.entities_learned import TokenClassifierEntityExtractor
    from bot.nlu.components.intent import TfidfLinearIntentClassifier

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    (broken / "model.joblib").write_bytes(b"not a model")
    with pytest.raises(ModelNotFound, match="unreadable model.joblib"):
        load_interpreter(broken)
    with pytest.raises(NotFittedError):
        TfidfLinearIntentClassifier().process(Message("hi"))
    with pytest.raises(NotFittedError):
        TokenClassifierEntityExtractor().process(Message("hi"))


TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=50),
    st.text(alphabet=st.sampled_from("😀🤬🎉👍🏽\u200d❤️\ufe0f"), max_size=40),
    st.text(alphabet=st.characters(whitelist_categories=("Lo", "Mn", "Nd")), max_size=80),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=5), st.integers(1, 3000)),
    st.from_regex(r"/[a-z_]{1,10}(\{.{0,20}\})?", fullmatch=True),
    st.just("KF-" + "9" * 5000),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_parse_never_raises(tiny: KefuInterpreter, text: str) -> None:
    result = tiny.parse(text)
    assert isinstance(result, ParseResult)
    assert 0.0 <= result.intent.confidence <= 1.0
    assert -1.0 <= result.sentiment.score <= 1.0
    assert result.language in ("en", "zh")
    for entity in result.entities:
        if entity.extractor != "payload":
            assert result.text[entity.start:entity.end] == entity.text
    json.dumps(result.to_dict(), ensure_ascii=False)


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(max_size=60), max_size=8))
def test_parse_batch_matches_single_parses(tiny: KefuInterpreter, texts: list[str]) -> None:
    batch = [r.to_dict() for r in tiny.parse_batch(texts)]
    assert batch == [tiny.parse(t).to_dict() for t in texts]


def test_non_string_input_does_not_raise(tiny: KefuInterpreter) -> None:
    for value in (None, 42, b"bytes", ["list"]):
        assert isinstance(tiny.parse(value), ParseResult)  # type: ignore[arg-type]


async def test_micro_batching_groups_concurrent_parses(tiny: KefuInterpreter) -> None:
    import asyncio

    from bot.nlu.batching import MicroBatchingInterpreter

    batcher = MicroBatchingInterpreter(tiny, max_batch=16, max_wait_ms=50)
    texts = ["hi", "bye", "where is order KF-12345", "你好"] * 4
    try:
        results = await asyncio.gather(*(batcher.parse_async(t) for t in texts))
    finally:
        await batcher.close()
    assert [r.to_dict() for r in results] == [tiny.parse(t).to_dict() for t in texts]
    assert batcher.batches < len(texts)
