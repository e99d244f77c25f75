"""Domain, rules, responses and payloads: kefu's own config files load and behave."""

from __future__ import annotations

import pytest

from bot.dialogue.domain import load_domain, parse_domain
from bot.dialogue.nlg import fill, render_dispatched, render_response
from bot.dialogue.payload import detect_language, has_language_evidence, parse_payload
from bot.dialogue.rules import load_rules, parse_rules
from bot.settings import DEFAULT_CONFIG_DIR
from crm_core.errors import InvalidInput

DOMAIN = load_domain(DEFAULT_CONFIG_DIR / "domain.yml")
RULES = load_rules(DEFAULT_CONFIG_DIR / "rules.yml")


def test_domain_declares_every_nlu_intent_and_form() -> None:
    nlu_intents = {
        "greet", "goodbye", "affirm", "deny", "thanks", "order_status", "track_shipment",
        "cancel_order", "change_address", "return_refund", "complaint", "ticket_status",
        "product_question", "recommendation", "human_handoff", "account_update",
        "faq_shipping", "faq_payment", "faq_returns_policy", "faq_opening_hours",
        "provide_identity", "out_of_scope", "nlu_fallback",
    }
    assert nlu_intents <= set(DOMAIN.intents)
    assert DOMAIN.forms["identity_form"] == ("email", "order_number")
    assert DOMAIN.session.expiration_minutes == 60


def test_every_rule_action_exists() -> None:
    from bot.actions import ACTION_CLASSES

    custom = {cls(None).name() for cls in ACTION_CLASSES}
    known = custom | set(DOMAIN.responses) | set(DOMAIN.forms)
    used = {a for actions in RULES.on_intent.values() for a in actions}
    used |= {a for actions in RULES.on_form_done.values() for a in actions}
    assert used <= known
    assert set(RULES.on_intent) <= set(DOMAIN.intents)
    assert custom <= set(DOMAIN.actions)


def test_every_response_has_english_and_chinese() -> None:
    for name, variants in DOMAIN.responses.items():
        langs = {dict(v.conditions).get("language", "en") for v in variants}
        assert langs == {"en", "zh"}, name


def test_response_follows_the_language_slot() -> None:
    en = render_response(DOMAIN, "utter_order_cancelled", {"language": "en"},
                         {"order_number": "KF-1"})
    zh = render_response(DOMAIN, "utter_order_cancelled", {"language": "zh"},
                         {"order_number": "KF-1"})
    assert en.text.startswith("Done: order KF-1") and "已取消" in zh.text


def test_placeholders_and_dispatched_messages() -> None:
    assert fill("{a} and {missing}", {"a": 1}) == "1 and {missing}"
    assert fill("a stray { brace", {}) == "a stray { brace"
    message = render_dispatched(DOMAIN, {"response": "utter_ask_csat", "text": None,
                                         "buttons": [], "custom": {}}, {"language": "en"})
    assert [b.title for b in message.buttons] == ["1", "2", "3", "4", "5"]
    plain = render_dispatched(DOMAIN, {"text": "hi", "buttons": [], "custom": {}}, {})
    assert plain.text == "hi" and plain.custom is None


def test_payloads_skip_nlu() -> None:
    parse = parse_payload('/order_status{"order_number": "KF-100001"}', "zh")
    assert parse.intent.name == "order_status" and parse.intent.confidence == 1.0
    assert parse.entities[0].entity == "order_number" and parse.language == "zh"
    assert parse_payload("/greet", "en").entities == ()
    assert parse_payload('/greet{"broken json', "en") is None or \
        parse_payload('/greet{"broken json', "en").entities == ()
    assert parse_payload("hello /greet", "en") is None


def test_language_detection_and_evidence() -> None:
    assert detect_language("我的订单") == "zh" and detect_language("my order") == "en"
    assert not has_language_evidence("ann@example.com")
    assert not has_language_evidence("KF-100042")
    assert has_language_evidence("我的邮箱 ann@example.com")


def test_malformed_files_are_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_domain({"slots": {"x": {"mappings": [{"no_type": 1}]}}})
    with pytest.raises(InvalidInput):
        parse_rules({"rules": [{"rule": "odd", "steps": [{"action": "utter_greet"}]}]})


def test_negative_streak_counts_this_session_and_restarts_on_resume() -> None:
    from bot.dialogue.fallback import negative_streak
    from bot.dialogue.tracker import DialogueTracker, resumed, session_started

    def user(score: float) -> dict:
        return {"event": "user", "text": "x", "parse_data": {"sentiment": {"score": score}}}

    events = [user(-0.9), session_started(), user(-0.8), user(0.4), user(-0.6)]
    tracker = DialogueTracker.from_events("ann", DOMAIN, events)
    assert negative_streak(tracker) == 2  # the turn before the session start is not counted
    tracker.update(resumed())
    assert negative_streak(tracker) == 0
    tracker.update(user(-0.7))
    assert negative_streak(tracker) == 1
    assert negative_streak(DialogueTracker.from_events("ann", DOMAIN, tracker.events)) == 1
