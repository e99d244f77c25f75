"""Rasa NLU YAML and CSV loading, including every annotation form and error reporting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.errors import TrainingDataError
from bot.nlu.loading import load_data, load_file, parse_annotated

RASA_YAML = """\
version: "3.1"
nlu:
  - intent: order_status
    examples: |
      - where is order [KF-12345](order_number)
      - check my [earphones](product:wireless earbuds) order
      - status of [kettle]{"entity": "product", "value": "Kettle Pro", "role": "item"}
      - 订单[1234567](order_number)在哪
  - intent: greet
    examples: |
      - hi
      # a comment line is skipped
      - hello
  - synonym: Kettle Pro
    examples: |
      - kettle pro
      - the big kettle
  - regex: ticket_number
    examples: |
      - TCK\\d{4}
  - lookup: category
    examples: |
      - kitchen
      - garden
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rasa_yaml_intents_entities_synonyms_regex_lookup(tmp_path: Path) -> None:
    data = load_file(write(tmp_path, "nlu.yml", RASA_YAML))
    assert data.intents == ["greet", "order_status"]
    first = data.examples[0]
    assert first.text == "where is order KF-12345"
    (span,) = first.entities
    assert (span.entity, span.value, first.text[span.start:span.end]) == (
        "order_number", "KF-12345", "KF-12345")
    # [text](entity:value) declares a synonym and stores the canonical value
    second = data.examples[1]
    assert second.text == "check my earphones order"
    assert second.entities[0].value == "wireless earbuds"
    assert data.synonyms["earphones"] == "wireless earbuds"
    # JSON form with role
    third = data.examples[2]
    assert third.entities[0].entity == "product"
    assert third.entities[0].value == "Kettle Pro"
    assert third.entities[0].role == "item"
    assert third.text[third.entities[0].start:third.entities[0].end] == "kettle"
    # Chinese offsets
    zh = data.examples[3]
    assert zh.text[zh.entities[0].start:zh.entities[0].end] == "1234567"
    assert [e.text for e in data.examples if e.intent == "greet"] == ["hi", "hello"]
    assert data.synonyms["the big kettle"] == "Kettle Pro"
    assert [(r.name, r.pattern) for r in data.regexes] == [("ticket_number", r"TCK\d{4}")]
    assert data.lookups == {"category": ["kitchen", "garden"]}
    # source points at the example's own line
    assert first.source.endswith("nlu.yml:5")


def test_csv_text_intent_and_banking77_header(tmp_path: Path) -> None:
    data = load_file(write(tmp_path, "a.csv",
                           "text,intent\nhi,greet\n\"where, is it\",order_status\n"))
    assert [(e.text, e.intent) for e in data.examples] == [
        ("hi", "greet"), ("where, is it", "order_status")]
    b77 = load_file(write(tmp_path, "b.csv", "text,category\ncard?,card_arrival\n"))
    assert b77.examples[0].intent == "card_arrival"


def test_folder_is_merged(tmp_path: Path) -> None:
    write(tmp_path, "one.yml", RASA_YAML)
    write(tmp_path, "two.csv", "text,intent\nbye,goodbye\n")
    data = load_data([tmp_path])
    assert "goodbye" in data.intents and "order_status" in data.intents


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ('nlu:\n  - intent: greet\n    examples: |\n      - hi\n      hello\n', 5,
         "must start with '- '"),
        ('nlu:\n  - intent: greet\n    examples: |\n      - [hi]{"entity": oops}\n', 4,
         "not valid JSON"),
        ('nlu:\n  - intent: greet\n    examples: |\n      - [hi]()\n', 4, "no entity name"),
        ('nlu:\n  - intent: greet\n', 2, "has no `examples:`"),
        ('nlu:\n  - intent: greet\n    synonym: x\n    examples: |\n      - hi\n', 2,
         "exactly one of"),
        ('nlu:\n  - regex: r\n    examples: |\n      - a(b\n', 4, "regex 'r'"),
        ('nlu:\n  - intent: greet\n    examples: |\n      - hi\n   bad: [\n', 5, "invalid YAML"),
        ('nlu: 3\n', 1, "must be a list"),
        ('foo: 1\n', 1, "no `nlu:` key"),
    ],
)
def test_yaml_errors_name_file_line_and_problem(tmp_path: Path, text: str, line: int,
                                                problem: str) -> None:
    path = write(tmp_path, "bad.yml", text)
    with pytest.raises(TrainingDataError) as info:
        load_file(path)
    assert info.value.file == str(path)
    assert info.value.line == line, info.value.message
    assert problem in info.value.problem
    assert f"bad.yml:{line}" in str(info.value)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("words,label2\nhi,greet\n", 1, "no `text` column"),
        ("text,intent\nhi,greet\n,greet\n", 3, "empty text"),
        ("text,intent\nhi\n", 2, "expected 2 columns"),
        ("text,intent\nhi,not an intent!\n", 2, "invalid intent name"),
    ],
)
def test_csv_errors(tmp_path: Path, text: str, line: int, problem: str) -> None:
    with pytest.raises(TrainingDataError) as info:
        load_file(write(tmp_path, "bad.csv", text))
    assert (info.value.line, problem in info.value.problem) == (line, True), info.value.message


def test_missing_path_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="no such file"):
        load_data([tmp_path / "nope.yml"])
    with pytest.raises(TrainingDataError, match="unsupported file type"):
        load_file(write(tmp_path, "x.txt", "hi"))


def test_parse_annotated_keeps_plain_brackets() -> None:
    example, synonyms = parse_annotated("price [approx] is [$5](money:5 USD)", "q")
    assert example.text == "price [approx] is $5"
    assert example.entities[0].value == "5 USD" and synonyms == {"$5": "5 USD"}


def test_shipped_data_covers_every_dialogue_intent_in_both_languages() -> None:
    from bot.nlu.pipeline import DEFAULT_DATA
    from bot.nlu.text import detect_language

    data = load_data([DEFAULT_DATA])
    needed = {"greet", "goodbye", "affirm", "deny", "thanks", "order_status", "track_shipment",
              "cancel_order", "change_address", "return_refund", "complaint", "ticket_status",
              "product_question", "recommendation", "human_handoff", "account_update",
              "faq_shipping", "faq_payment", "faq_returns_policy", "faq_opening_hours",
              "provide_identity", "out_of_scope"}
    assert set(data.intents) == needed
    for intent in needed:
        langs = [detect_language(e.text) for e in data.examples if e.intent == intent]
        assert langs.count("en") >= 25 and langs.count("zh") >= 25, intent
