"""``ParseResult.to_dict`` (written into every user event) is exactly the dataclasses'
own dict form (less the NLU-internal out-of-scope score), without sharing mutable values with the result."""

from __future__ import annotations

from dataclasses import asdict

from bot.nlu.types import Entity, Intent, ParseResult, Sentiment


def test_to_dict_equals_asdict_and_copies_values() -> None:
    value = {"amount": 12.5, "currency": ["EUR"]}
    result = ParseResult(
        text="refund 12.5 EUR on KF-100001",
        intent=Intent("return_refund", 0.81),
        intent_ranking=(Intent("return_refund", 0.81), Intent("order_status", 0.1)),
        entities=(Entity("amount", value, 7, 14, "12.5 EUR", "kefu.regex.v1", 0.9),
                  Entity("order_number", "KF-100001", 18, 27, "KF-100001", "kefu.regex.v1")),
        sentiment=Sentiment(-0.4, "negative", frustrated=True),
        language="en",
    )
    wire = result.to_dict()
    expected = asdict(result)
    expected["intent_ranking"] = list(expected["intent_ranking"])
    expected["entities"] = list(expected["entities"])
    expected.pop("out_of_scope_score")  # kept off the Rasa-shaped wire on purpose
    assert wire == expected
    wire["entities"][0]["value"]["currency"].append("USD")
    assert value == {"amount": 12.5, "currency": ["EUR"]}
