"""Training data held in memory: examples with annotated entities, synonyms, regexes, lookups."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntitySpan:
    """An annotated entity: ``text[start:end]`` as written, ``value`` after synonym mapping."""

    entity: str
    value: str
    start: int
    end: int
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Example:
    """One training utterance; ``source`` is ``file:line`` for error messages and reports."""

    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class RegexPattern:
    """A named regular expression (Rasa ``- regex:`` block); the name is the entity it finds."""

    name: str
    pattern: str


@dataclass
class TrainingData:
    """Everything loaded from one or more files; ``merge`` combines them."""

    examples: list[Example] = field(default_factory=list)
    # variant (case-folded) -> canonical value
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: list[RegexPattern] = field(default_factory=list)
    lookups: dict[str, list[str]] = field(default_factory=dict)

    def merge(self, other: TrainingData) -> TrainingData:
        """A new TrainingData holding both (later synonyms win, lookups are unioned)."""
        lookups = {k: list(v) for k, v in self.lookups.items()}
        for name, values in other.lookups.items():
            seen = set(lookups.setdefault(name, []))
            lookups[name].extend(v for v in values if v not in seen)
        return TrainingData(
            examples=self.examples + other.examples,
            synonyms={**self.synonyms, **other.synonyms},
            regexes=self.regexes + [r for r in other.regexes if r not in self.regexes],
            lookups=lookups,
        )

    @property
    def intents(self) -> list[str]:
        """Sorted intent names."""
        return sorted({e.intent for e in self.examples})

    @property
    def entity_types(self) -> list[str]:
        """Sorted entity names seen in annotations."""
        return sorted({s.entity for e in self.examples for s in e.entities})

    def intent_counts(self) -> Counter[str]:
        """Examples per intent."""
        return Counter(e.intent for e in self.examples)

    def fingerprint(self) -> str:
        """SHA-256 of the content (not of file names), stored in the model's metadata."""
        payload = {
            "examples": sorted(
                [e.text, e.intent, [[s.entity, s.value, s.start, s.end] for s in e.entities]]
                for e in self.examples
            ),
            "synonyms": sorted(self.synonyms.items()),
            "regexes": sorted([r.name, r.pattern] for r in self.regexes),
            "lookups": sorted((k, sorted(v)) for k, v in self.lookups.items()),
        }
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def subset(self, indices: list[int] | tuple[int, ...]) -> TrainingData:
        """The same synonyms/regexes/lookups with only some examples (cross-validation)."""
        return TrainingData(
            examples=[self.examples[i] for i in indices],
            synonyms=dict(self.synonyms),
            regexes=list(self.regexes),
            lookups={k: list(v) for k, v in self.lookups.items()},
        )
