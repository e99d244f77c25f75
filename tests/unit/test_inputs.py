"""bot.inputs: depth-checked JSON, proper Unicode, chat message fields."""

from __future__ import annotations

import json

import pytest

from bot.inputs import check_metadata, check_sender, check_tree, json_too_deep, loads
from crm_core.errors import InvalidInput


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1, 2, 31, 32])
def test_depth_up_to_the_limit_parses(depth: int) -> None:
    assert not json_too_deep(nested(depth), 32)
    loads(nested(depth))


@pytest.mark.parametrize("text", [nested(33), nested(1000), nested(100_000),
                                  '{"a":' * 50_000, "[" * 5 + "}" * 5])
def test_too_deep_or_mismatched_is_invalid_input_not_recursion(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        loads(text)
    assert "nested deeper than 32" in info.value.message or "not valid JSON" in info.value.message


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"a": "[" * 500, "b": '\\"]]]' + "{" * 100})
    assert loads(text)["a"] == "[" * 500


@pytest.mark.parametrize("raw, field", [
    ('{"message": "\\ud800"}', "message"), ('{"a": {"b": ["x", "\\u0000"]}}', "a.b[1]"),
    ('{"\\udc00": 1}', "\udc00 (a key)"),
])
def test_strings_must_be_proper_unicode(raw: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        loads(raw)
    assert info.value.details["field"] == field


def test_bytes_that_are_not_utf8() -> None:
    with pytest.raises(InvalidInput, match="not UTF-8"):
        loads(b'{"a": "\xff"}')


def test_check_tree_is_iterative() -> None:
    value: object = 1
    for _ in range(10_000):
        value = {"a": value}
    with pytest.raises(InvalidInput, match="deeper than 32"):
        check_tree(value)


def test_metadata_size_is_counted_as_utf8_json() -> None:
    check_metadata({"note": "é" * 2000})  # 4,000 bytes + the key: fits
    with pytest.raises(InvalidInput, match="too large") as info:
        check_metadata({"note": "漢" * 1400})  # 4,200 bytes
    assert info.value.details["max_bytes"] == 4096
    assert check_metadata(None) == {}


def test_sender() -> None:
    assert check_sender("twilio:CA123") == "twilio:CA123"
    for bad in ["", "x" * 129, "a\tb", "\ud800", None]:
        with pytest.raises(InvalidInput):
            check_sender(bad)


@pytest.mark.parametrize("depth", [33, 40, 64, 1000])
def test_depth_is_counted_exactly(depth: int) -> None:
    assert json_too_deep(nested(depth), 32)
    assert json_too_deep('{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1), 32)
    assert not json_too_deep(nested(depth), depth)
    assert not json_too_deep("{" * 3, 32)  # unbalanced but shallow: the parser says so
