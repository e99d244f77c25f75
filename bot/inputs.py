"""Input limits every edge shares: JSON depth, proper Unicode, and the fields of a chat
message (sender, text, metadata), so each channel refuses the same input the same way.

Every refusal is an ``InvalidInput`` (400) whose message and ``details["field"]`` name the
field, e.g. ``metadata.customer_token``. The JSON parse checks the nesting depth *before*
parsing (the standard parser recurses and a body nested 1,000 deep is a ``RecursionError``),
then walks the result once for strings that are not proper Unicode: a NUL character
(PostgreSQL's text and JSONB cannot hold one) or a lone surrogate (``"\\ud800"``, which no
UTF-8 encoder, database driver or JSON column takes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from crm_core.errors import InvalidInput

MAX_JSON_DEPTH = 32
MAX_METADATA_BYTES = 4096
MAX_SENDER_CHARS = 128
MAX_METADATA_KEY_CHARS = 64
# The metadata key the gateway sets to the client a message came from (its address, IPv6
# by /64): whatever a customer sends under it is replaced; never stored in the event log.
CLIENT_METADATA = "kefu_client"
# Keys the product reads, with what they must be; any other key is free-form JSON.
_TOKEN_CHARS = 2048
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")

# Strings (with their escapes) and everything but brackets, removed before counting depth.
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class InputLimits:
    """The limits of one app (from settings; defaults as documented in the README)."""

    max_json_depth: int = MAX_JSON_DEPTH
    max_metadata_bytes: int = MAX_METADATA_BYTES
    max_sender_chars: int = MAX_SENDER_CHARS

    @classmethod
    def from_settings(cls, settings: Any) -> InputLimits:
        """The limits a ``Settings`` sets."""
        return cls(max_json_depth=settings.max_json_depth,
                   max_metadata_bytes=settings.max_metadata_bytes)


DEFAULT_LIMITS = InputLimits()


def unicode_problem(value: str) -> str | None:
    """Why ``value`` is not proper text (``None`` when it is)."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"is not valid Unicode: a lone surrogate (\\u{ord(value[exc.start]):04x}) "
                f"at position {exc.start}")
    return None


def check_string(field: str, value: str) -> str:
    """``value`` unchanged, or ``InvalidInput`` naming ``field`` when it is not proper text."""
    problem = unicode_problem(value)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}", details={"field": field})
    return value


def _path(parent: str, key: object) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def check_tree(value: Any, field: str = "", max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``value`` (parsed JSON or a JSON-like dict) unchanged, or ``InvalidInput``: nested
    deeper than ``max_depth`` containers, a key that is not a string, or a string (key or
    value) that is not proper text. Iterative: no recursion however deep."""
    stack: list[tuple[str, Any, int]] = [(field, value, 0)]
    while stack:
        path, item, depth = stack.pop()
        if isinstance(item, str):
            check_string(path or "body", item)
        elif isinstance(item, dict | list | tuple):
            if depth >= max_depth:
                raise InvalidInput(
                    f"{path or 'the body'} is nested deeper than {max_depth} levels",
                    details={"field": path or "body", "max_depth": max_depth})
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise InvalidInput(f"{path or 'body'} has a key that is not a string",
                                           details={"field": path or "body"})
                    check_string(f"{_path(path, key)} (a key)", key)
                    stack.append((_path(path, key), child, depth + 1))
            else:
                stack.extend((_path(path, i), child, depth + 1) for i, child in enumerate(item))
    return value


def json_too_deep(text: str, max_depth: int) -> bool:
    """True when ``text``'s brackets nest deeper than ``max_depth``, found without parsing.

    Strings are cut out, then each pass (a C-speed regex) removes the innermost ``[]`` /
    ``{}`` pairs; whatever is left after ``max_depth`` passes is walked once, stopping as
    soon as it is deeper than the limit (brackets that do not match are left to the parser
    to report)."""
    skeleton = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    passes = 0  # each took one level off every nest
    while passes < max_depth and skeleton:
        skeleton, removed = _INNERMOST.subn("", skeleton)
        if not removed:
            break
        passes += 1
    level = 0
    for char in skeleton:
        if char in "[{":
            level += 1
            if level + passes > max_depth:
                return True
        else:
            level = max(level - 1, 0)
    return False


def loads(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH, field: str = "") -> Any:
    """Parse JSON from the outside: ``InvalidInput`` (never a ``RecursionError`` or a
    ``UnicodeDecodeError``) for bytes that are not UTF-8, malformed JSON, nesting deeper
    than ``max_depth``, or strings that are not proper text (the field is named)."""
    what = field or "body"
    if isinstance(raw, bytes | bytearray):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"The {what} is not valid JSON: not UTF-8 ({exc.reason} at "
                               f"byte {exc.start}).",
                               details={"field": what, "body": "invalid UTF-8"}) from exc
    else:
        text = raw
    if json_too_deep(text, max_depth):
        raise InvalidInput(
            f"The {what} is nested deeper than {max_depth} levels.",
            details={"field": what, "max_depth": max_depth})
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The {what} is not valid JSON: {exc}.",
                           details={"field": what, "body": "invalid JSON"}) from exc
    except RecursionError as exc:  # not reached after the depth check; kept as a backstop
        raise InvalidInput(f"The {what} is nested too deeply.",
                           details={"field": what, "max_depth": max_depth}) from exc
    return check_tree(data, field, max_depth)


# --- chat messages ---------------------------------------------------------------------

def check_sender(value: Any, field: str = "sender",
                 limits: InputLimits = DEFAULT_LIMITS) -> str:
    """A sender / session id: a string of 1..max_sender_chars characters, printable, proper
    Unicode (it names a conversation in the CRM and a lock key in Redis)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", details={"field": field})
    check_string(field, value)
    limit = limits.max_sender_chars
    if not value.strip() or len(value) > limit:
        raise InvalidInput(f"{field} must be 1 to {limit} characters",
                           details={"field": field, "max_length": limit, "length": len(value)})
    if _CONTROL.search(value):
        raise InvalidInput(f"{field} must not contain control characters",
                           details={"field": field})
    return value


def check_text(value: Any, field: str = "message") -> str:
    """The customer's text: a string of proper Unicode (length is the engine's limit)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", details={"field": field})
    return check_string(field, value)


def check_metadata(value: Any, field: str = "metadata",
                   limits: InputLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Channel metadata (what a host site passes with a message; stored with the event):
    an object of at most ``max_metadata_bytes`` as compact UTF-8 JSON, keys of 1..64
    characters, ``customer_token`` / ``token`` strings of at most 2,048 characters,
    ``language`` a language tag; every other key free-form JSON. ``None`` is ``{}``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be an object",
                           details={"field": field, "got": type(value).__name__})
    check_tree(value, field, limits.max_json_depth)
    for key, item in value.items():
        if not 1 <= len(key) <= MAX_METADATA_KEY_CHARS:
            raise InvalidInput(f"{field} keys must be 1 to {MAX_METADATA_KEY_CHARS} characters",
                               details={"field": field, "key": key[:MAX_METADATA_KEY_CHARS]})
        name = f"{field}.{key}"
        if key in ("customer_token", "token") and item is not None and (
                not isinstance(item, str) or len(item) > _TOKEN_CHARS):
            raise InvalidInput(f"{name} must be a string of at most {_TOKEN_CHARS} characters",
                               details={"field": name})
        if key == "language" and item is not None and (
                not isinstance(item, str) or not _LANGUAGE.match(item)):
            raise InvalidInput(f"{name} must be a language tag such as 'en' or 'zh-CN'",
                               details={"field": name})
    try:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    except (TypeError, ValueError) as exc:  # a value JSON cannot hold (from code, not wire)
        raise InvalidInput(f"{field} must be JSON", details={"field": field}) from exc
    if size > limits.max_metadata_bytes:
        raise InvalidInput(
            f"{field} is too large ({size:,} bytes as JSON; the limit is "
            f"{limits.max_metadata_bytes:,})",
            details={"field": field, "max_bytes": limits.max_metadata_bytes, "bytes": size})
    return value
