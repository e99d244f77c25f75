"""Learned sentiment (shipped weights + light rules) reads messages the way a person does."""

from __future__ import annotations

import pytest

from bot.nlu.components.base import Message
from bot.nlu.components.sentiment_learned import LearnedSentiment
from bot.nlu.text import detect_language


@pytest.fixture(scope="module")
def model() -> LearnedSentiment:
    return LearnedSentiment().fit(None, [])


def score(model: LearnedSentiment, text: str):
    message = Message(text, language=detect_language(text))
    model.process(message)
    assert -1.0 <= message.sentiment.score <= 1.0
    return message.sentiment


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("my parcel is three days late and nobody answers", "negative"),
        ("thanks, that was really helpful!", "positive"),
        ("where is my order", "neutral"),
        ("this is terrible service", "negative"),
        ("not good", "negative"),
        ("great, another delay", "negative"),
        ("perfect, it broke again", "negative"),
        ("love it 😍", "positive"),
        ("谢谢，非常满意", "positive"),
        ("快递到哪了", "neutral"),
        ("你们服务太差了，气死我了！", "negative"),
        ("太好了，又坏了", "negative"),
        ("质量不好", "negative"),
    ],
)
def test_labels_in_english_and_chinese(model: LearnedSentiment, text: str, label: str) -> None:
    assert score(model, text).label == label


@pytest.mark.parametrize(
    ("milder", "stronger"),
    [
        # negation turns praise into complaint; "not bad" is better than "bad"
        ("this is good", "this is not good"),
        ("not bad", "bad"),
        ("好", "不好"),
        ("满意", "不满意"),
        # intensifiers, "!!!", ALL CAPS and emoji make a complaint more negative
        ("the delivery was slow", "the delivery was extremely slow"),
        ("this is terrible", "this is terrible!!!"),
        ("where is my order", "WHERE IS MY ORDER"),
        ("where is my order", "where is my order 😡"),
        ("服务差", "服务非常差"),
        ("怎么还没到", "怎么还没到！！！"),
    ],
)
def test_cues_move_the_score_down(model: LearnedSentiment, milder: str, stronger: str) -> None:
    assert score(model, stronger).score < score(model, milder).score


@pytest.mark.parametrize(
    ("milder", "stronger"),
    [
        ("thanks", "thanks so much!!!"),
        ("good", "very good"),
        ("ok", "ok 👍"),
        ("不错", "非常不错"),
    ],
)
def test_cues_move_praise_up(model: LearnedSentiment, milder: str, stronger: str) -> None:
    assert score(model, stronger).score > score(model, milder).score


def test_frustration_flag_and_handoff_range(model: LearnedSentiment) -> None:
    angry = score(model, "THIS IS THE THIRD TIME I ASK, UNACCEPTABLE!!!")
    assert angry.label == "negative" and angry.frustrated
    # the engine hands over after negative turns at score <= -0.5
    assert angry.score <= -0.5
    assert score(model, "又没收到，到底怎么回事").frustrated
    calm = score(model, "can you tell me the opening hours")
    assert not calm.frustrated and calm.score > -0.5


def test_empty_text_is_neutral(model: LearnedSentiment) -> None:
    assert score(model, "   ").label == "neutral"
    assert score(model, "").score == 0.0
