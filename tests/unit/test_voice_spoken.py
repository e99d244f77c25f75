"""Spoken order numbers, digit strings and emails become their written forms before NLU."""

from __future__ import annotations

import pytest

from bot.voice.spoken import normalize_emails, normalize_numbers, normalize_spoken


@pytest.mark.parametrize(("spoken", "written"), [
    ("K F one two nine, nine six zero", "KF-129960"),
    ("my order is KF 129-960", "my order is KF-129960"),
    ("k.f. 1 2 9 9 6 0", "KF-129960"),
    ("Order KF129960.", "Order KF-129960."),
    ("order number KF-10432 please", "order number KF-10432 please"),
    ("K-F one oh double seven five", "KF-10775"),
    ("one oh double seven five", "10775"),
    ("triple five two one", "55521"),
    ("Nine, six, zero, one.", "9601."),
    ("ticket T K four five six seven", "ticket TK-4567"),
])
def test_spoken_numbers_are_joined(spoken: str, written: str) -> None:
    assert normalize_spoken(spoken) == written


@pytest.mark.parametrize("text", [
    "oh I see", "I bought two or three", "in 1850, 20 people came", "one two",
    "the price was 5.99", "look at the box", "of one two",
])
def test_ordinary_speech_is_left_alone(text: str) -> None:
    assert normalize_spoken(text) == text


@pytest.mark.parametrize(("spoken", "written"), [
    ("j dot smith at example dot com", "j.smith@example.com"),
    ("My email is J.Smith at example.com.", "My email is j.smith@example.com."),
    ("mary underscore lee at mail dot example dot org", "mary_lee@mail.example.org"),
    ("anna dash b at shop dot co dot uk", "anna-b@shop.co.uk"),
])
def test_spelled_emails(spoken: str, written: str) -> None:
    assert normalize_emails(spoken) == written


def test_numbers_and_emails_together() -> None:
    text = "order K F one two three four five and my email is bob at example dot com"
    assert normalize_spoken(text) == "order KF-12345 and my email is bob@example.com"
    assert normalize_numbers("no digits here") == "no digits here"
