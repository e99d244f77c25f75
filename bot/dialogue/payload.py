"""Button payloads (``/intent{"entity": "value"}``) and a minimal stand-in interpreter.

A message starting with ``/`` skips NLU: the intent is taken at confidence 1.0 and the
JSON object becomes entities, as in Rasa. ``BasicInterpreter`` is what the engine uses
when no NLU model is loaded: it only detects the language and a few pattern entities, and
always answers ``nlu_fallback``, so the forms still work and everything else falls back.
"""

from __future__ import annotations

import json
import re

from bot.nlu.types import FALLBACK_INTENT, Entity, Intent, ParseResult

_PAYLOAD = re.compile(r"^/(?P<intent>[^{@\s]+)(?P<confidence>@[0-9.]+)?(?P<entities>\{.*\})?\s*$", re.S)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
ORDER_NUMBER_RE = re.compile(r"(?<![\w-])#?((?:KF[-\s]?)?\d{4,12})(?!\d)", re.I)


def detect_language(text: str, default: str = "en") -> str:
    """"zh" when the text contains Chinese characters, "en" when it has Latin letters."""
    if _CJK.search(text):
        return "zh"
    return "en" if re.search(r"[A-Za-z]", text) else default


def has_language_evidence(text: str) -> bool:
    """Whether ``text`` says anything about its language once emails, order numbers and
    digits are removed (a bare "ann@example.com" should not switch a Chinese chat)."""
    rest = ORDER_NUMBER_RE.sub(" ", EMAIL_RE.sub(" ", text))
    return bool(_CJK.search(rest) or re.search(r"[A-Za-z]{2,}", rest))


def parse_payload(text: str, language: str) -> ParseResult | None:
    """The ParseResult of a button payload, or None when ``text`` is not one."""
    match = _PAYLOAD.match(text.strip())
    if not match:
        return None
    entities: list[Entity] = []
    if match.group("entities"):
        try:
            values = json.loads(match.group("entities"))
        except json.JSONDecodeError:
            values = {}
        if isinstance(values, dict):
            entities = [
                Entity(entity=str(k), value=v, start=0, end=0, text=str(v), extractor="payload")
                for k, v in values.items()
            ]
    intent = Intent(match.group("intent"), 1.0)
    return ParseResult(text=text, intent=intent, intent_ranking=(intent,),
                       entities=tuple(entities), language=language)


def pattern_entities(text: str) -> tuple[Entity, ...]:
    """Emails and order-number-like digit runs found in ``text``."""
    found = [
        Entity("email", m.group(0), m.start(), m.end(), m.group(0), "kefu.pattern")
        for m in EMAIL_RE.finditer(text)
    ]
    emails = [(e.start, e.end) for e in found]
    for m in ORDER_NUMBER_RE.finditer(text):
        if not any(s <= m.start() < e for s, e in emails):
            found.append(Entity("order_number", m.group(1), m.start(1), m.end(1), m.group(1),
                                "kefu.pattern"))
    return tuple(found)


class BasicInterpreter:
    """Language and pattern entities only; every intent is ``nlu_fallback``."""

    def parse(self, text: str) -> ParseResult:
        """Never raises; confidence 0 so the fallback chain takes over."""
        intent = Intent(FALLBACK_INTENT, 0.0)
        return ParseResult(text=text, intent=intent, intent_ranking=(intent,),
                           entities=pattern_entities(text), language=detect_language(text))
