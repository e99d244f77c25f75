"""The expect-digits hint: which of the bot's questions ask for a number, and its lifetime."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.messages import BotMessage
from bot.settings import DEFAULT_CONFIG_DIR
from bot.voice.expect import Expect, Expectations, expectation


def _responses() -> dict[str, list[str]]:
    domain = yaml.safe_load((Path(DEFAULT_CONFIG_DIR) / "domain.yml").read_text())
    return {name: [v["text"] for v in variants if v.get("text")]
            for name, variants in domain["responses"].items()}


@pytest.mark.parametrize("name", ["utter_ask_order_number", "utter_ask_one_time_code",
                                  "utter_ask_ticket_number", "utter_invalid_order_number"])
def test_the_domain_questions_for_numbers_expect_digits(name: str) -> None:
    for text in _responses()[name]:  # English and Chinese
        assert expectation([BotMessage(text="Sure."), BotMessage(text=text)]) is Expect.DIGITS


@pytest.mark.parametrize("name", ["utter_ask_email", "utter_identity_mismatch",
                                  "utter_code_accepted", "utter_greet", "utter_goodbye"])
def test_other_replies_expect_nothing(name: str) -> None:
    for text in _responses().get(name, ["Hello! How can I help?"]):
        assert expectation([BotMessage(text=text)]) is None


def test_a_response_can_say_it_itself_and_the_last_reply_decides() -> None:
    tagged = BotMessage(text="And the last four?", custom={"voice_expect": "digits"})
    assert expectation([tagged]) is Expect.DIGITS
    assert expectation([BotMessage(text="Please tell me your order number."),
                        BotMessage(text="Or shall I email you instead?")]) is None
    assert expectation([BotMessage(custom={"voice_expect": "poetry"})]) is None
    assert expectation([]) is None


def test_a_hint_lasts_one_turn_and_the_store_is_bounded() -> None:
    store = Expectations(size=2)
    store.set("a", Expect.DIGITS)
    assert store.take("a") is Expect.DIGITS and store.take("a") is None
    for sender in ("a", "b", "c"):
        store.set(sender, Expect.DIGITS)
    assert store.take("a") is None and store.take("c") is Expect.DIGITS
    store.set("b", None)
    assert store.take("b") is None


def test_a_sentence_said_twice_is_a_loop_and_a_stutter_is_not() -> None:
    from bot.voice.whisper_window import repeats, window_frames

    assert repeats("How do I return a product? How do I return a product?")
    assert not repeats("my order is 5 5 5 and then 5 5 5")
    assert not repeats("I want, I want a refund for order KF-100042")
    assert not repeats("double seven, seven two")
    assert window_frames(5.2) == 1600 and window_frames(40) == 3000
