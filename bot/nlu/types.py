"""What NLU returns for one message. The dialogue engine consumes only these types."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Protocol

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Intent:
    """An intent with a calibrated confidence in [0, 1]."""

    name: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    """An entity found in the text; ``value`` is after synonym mapping, ``text`` as written."""

    entity: str
    value: Any
    start: int
    end: int
    text: str
    extractor: str
    confidence: float = 1.0


@dataclass(frozen=True)
class Sentiment:
    """Score in [-1, 1], a label (negative / neutral / positive) and a frustration flag."""

    score: float
    label: str
    frustrated: bool = False


@dataclass(frozen=True)
class ParseResult:
    """Everything NLU knows about one message."""

    text: str
    intent: Intent
    intent_ranking: tuple[Intent, ...] = ()
    entities: tuple[Entity, ...] = ()
    sentiment: Sentiment = field(default_factory=lambda: Sentiment(0.0, "neutral"))
    language: str = "en"
    # P(out of scope) from the fallback component, when it has a learned scorer (not on
    # the wire: Rasa's ``latest_message`` has no such field).
    out_of_scope_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Rasa-shaped dict (``latest_message``) plus kefu's sentiment and language.

        Built field by field: ``dataclasses.asdict`` deep-copies recursively and was a
        visible share of a chat turn's CPU (this runs on every message)."""
        sentiment = self.sentiment
        return {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": self.intent.confidence},
            "intent_ranking": [{"name": i.name, "confidence": i.confidence}
                               for i in self.intent_ranking],
            "entities": [{"entity": e.entity, "value": copy.deepcopy(e.value),
                          "start": e.start, "end": e.end, "text": e.text,
                          "extractor": e.extractor, "confidence": e.confidence}
                         for e in self.entities],
            "sentiment": {"score": sentiment.score, "label": sentiment.label,
                          "frustrated": sentiment.frustrated},
            "language": self.language,
        }


class Interpreter(Protocol):
    """Anything that turns text into a ParseResult; never raises on user text."""

    def parse(self, text: str) -> ParseResult: ...
