"""Rule-based entities: regexes, lookup tables (fed from the CRM at run time), spaCy Matcher
rules, and synonym mapping. Overlaps are resolved in ``resolve_overlaps``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.nlu.components.base import Component, Message
from bot.nlu.components.entity_patterns import BUILTIN_PATTERNS, compile_patterns, normalize
from bot.nlu.errors import PipelineConfigError
from bot.nlu.registry import register
from bot.nlu.text import HAN
from bot.nlu.training_data import TrainingData
from bot.nlu.types import Entity

MAX_LOOKUP_VALUES = 50_000


def resolve_overlaps(entities: Iterable[Entity]) -> list[Entity]:
    """Keep non-overlapping entities: earlier extractors first, then longer spans."""
    kept: list[Entity] = []
    for ent in entities:
        if all(ent.end <= k.start or ent.start >= k.end for k in kept):
            kept.append(ent)
    return sorted(kept, key=lambda e: (e.start, e.end))


def _matches(text: str, name: str, pattern: re.Pattern[str], extractor: str) -> list[Entity]:
    found = []
    for match in pattern.finditer(text):
        group = "value" if "value" in pattern.groupindex and match.group("value") else 0
        start, end = match.span(group)
        if end > start:
            surface = text[start:end]
            found.append(Entity(name, normalize(name, surface), start, end, surface, extractor))
    return found


@register("kefu.regex_entities.v1")
class RegexEntityExtractor(Component):
    """kefu's built-in patterns (order numbers, emails, phones, money, dates, tickets) plus
    the ``- regex:`` blocks of the training data (the regex name is the entity)."""

    def __init__(self, builtin: bool = True, use_training_regexes: bool = True) -> None:
        self.builtin = builtin
        self.use_training_regexes = use_training_regexes

    def fit(self, data: TrainingData, messages: list[Message]) -> RegexEntityExtractor:
        """Compile the patterns."""
        patterns = list(BUILTIN_PATTERNS) if self.builtin else []
        if self.use_training_regexes:
            # Data regexes first: a team's own format beats kefu's generic guess.
            patterns = [(r.name, r.pattern) for r in data.regexes] + patterns
        self.patterns_ = compile_patterns(patterns)
        return self

    def process(self, message: Message) -> None:
        """Add every pattern match; overlapping ones are resolved later."""
        for name, pattern in self.patterns_:
            message.entities.extend(_matches(message.text, name, pattern, "regex"))


@register("kefu.lookup_entities.v1")
class LookupEntityExtractor(Component):
    """Whole-word, case-insensitive matches of lookup-table values (longest first).

    Tables come from the training data's ``- lookup:`` blocks and, at run time, from
    ``set_lookup(name, values)`` (the CRM's product names and categories), which replaces
    the run-time table of that name. The value is the table entry as written there.
    """

    def __init__(self, min_length: int = 2) -> None:
        self.min_length = min_length

    def fit(self, data: TrainingData, messages: list[Message]) -> LookupEntityExtractor:
        """Remember the data's lookup tables."""
        self.trained_tables_ = {k: list(v) for k, v in data.lookups.items()}
        # A synonym of a table entry is matched too ("coffee machine" -> "coffee maker"
        # via the synonym mapper afterwards).
        for name, values in self.trained_tables_.items():
            known = {v.casefold() for v in values}
            values.extend(variant for variant, canonical in data.synonyms.items()
                          if canonical.casefold() in known and variant not in known)
        self.runtime_tables_: dict[str, list[str]] = {}
        self._compiled: dict[str, Any] = {}
        return self

    def set_lookup(self, name: str, values: Iterable[str]) -> None:
        """Replace the run-time table ``name`` (e.g. product names from the CRM)."""
        clean = [str(v).strip() for v in values if v is not None and str(v).strip()]
        if len(clean) > MAX_LOOKUP_VALUES:
            raise PipelineConfigError(f"lookup {name!r} has {len(clean)} values; "
                                      f"at most {MAX_LOOKUP_VALUES} are supported")
        self.runtime_tables_[name] = clean
        self._compiled.pop(name, None)

    def tables(self) -> dict[str, list[str]]:
        """Trained and run-time tables merged (run-time values first)."""
        names = set(self.trained_tables_) | set(self.runtime_tables_)
        return {n: self.runtime_tables_.get(n, []) + self.trained_tables_.get(n, []) for n in names}

    def _pattern(self, name: str,
                 values: list[str]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        if name not in self._compiled:
            canonical: dict[str, str] = {}
            for value in values:
                if len(value) >= self.min_length or HAN.search(value):
                    canonical.setdefault(value.casefold(), value)
            alternatives = sorted(canonical, key=len, reverse=True)
            pattern = None
            if alternatives:
                body = "|".join(re.escape(v) for v in alternatives)
                # Latin words need boundaries; Chinese text has no spaces, so none there.
                pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])", re.IGNORECASE)
            self._compiled[name] = (pattern, canonical)
        return self._compiled[name]

    def process(self, message: Message) -> None:
        """Add every lookup match."""
        for name, values in self.tables().items():
            pattern, canonical = self._pattern(name, values)
            if pattern is None:
                continue
            for match in pattern.finditer(message.text):
                surface = match.group(0)
                value = canonical.get(surface.casefold(), surface)
                message.entities.append(
                    Entity(name, value, match.start(), match.end(), surface, "lookup"))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_compiled"] = {}  # compiled regexes are rebuilt lazily after loading
        return state


# Default spaCy Matcher rules: phrases regexes express badly (token attributes, number words).
_UNITS = ["days", "weeks", "day", "week"]
DEFAULT_MATCHER_PATTERNS: list[dict[str, Any]] = [
    {"label": "money", "pattern": [
        {"LIKE_NUM": True},
        {"LOWER": {"IN": ["bucks", "quid", "dollars", "euros", "pounds"]}}]},
    {"label": "date", "pattern": [
        {"LIKE_NUM": True}, {"LOWER": {"IN": _UNITS}}, {"LOWER": "ago"}]},
    {"label": "date", "pattern": [
        {"LOWER": {"IN": ["a", "one", "two", "three", "few"]}}, {"LOWER": {"IN": _UNITS}},
        {"LOWER": "ago"}]},
    {"label": "date", "pattern": [
        {"LOWER": {"IN": ["the", "this"]}}, {"LOWER": "day"}, {"LOWER": "before"},
        {"LOWER": "yesterday"}]},
]


@register("kefu.spacy_matcher_entities.v1")
class SpacyMatcherEntityExtractor(Component):
    """spaCy ``Matcher`` token rules, given in the config as ``patterns: [{label, pattern}]``."""

    def __init__(self, patterns: list[dict[str, Any]] | None = None) -> None:
        self.patterns = patterns if patterns is not None else DEFAULT_MATCHER_PATTERNS

    def fit(self, data: TrainingData, messages: list[Message]) -> SpacyMatcherEntityExtractor:
        """Validate the patterns by building the matcher once."""
        self._build()
        return self

    def _build(self) -> Any:
        import spacy
        from spacy.matcher import Matcher

        nlp = spacy.blank("en")
        matcher = Matcher(nlp.vocab)
        for i, spec in enumerate(self.patterns):
            try:
                matcher.add(f"{spec['label']}#{i}", [spec["pattern"]])
            except (KeyError, TypeError, ValueError) as exc:
                raise PipelineConfigError(f"matcher pattern {i} is invalid: {exc}") from exc
        self._nlp, self._matcher = nlp, matcher
        return matcher

    def process(self, message: Message) -> None:
        """Add every rule match (longest per start)."""
        if getattr(self, "_matcher", None) is None:
            self._build()
        doc = self._nlp.make_doc(message.text)
        for match_id, start, end in self._matcher(doc):
            label = self._nlp.vocab.strings[match_id].split("#", 1)[0]
            span = doc[start:end]
            message.entities.append(Entity(label, span.text, span.start_char, span.end_char,
                                           span.text, "spacy_matcher"))

    def __getstate__(self) -> dict[str, Any]:
        return {"patterns": self.patterns}  # spaCy objects are rebuilt after loading


@register("kefu.synonyms.v1")
class SynonymMapper(Component):
    """Resolves overlaps, then maps entity values to canonical ones (``- synonym:`` blocks
    and ``[text](entity:value)`` annotations)."""

    def fit(self, data: TrainingData, messages: list[Message]) -> SynonymMapper:
        """Remember the synonyms (keys are case-folded)."""
        self.synonyms_ = dict(data.synonyms)
        return self

    def process(self, message: Message) -> None:
        """Resolve overlapping entities and apply synonyms."""
        entities = resolve_overlaps(message.entities)
        out = []
        for ent in entities:
            key = str(ent.value).casefold()
            if key in self.synonyms_:
                ent = Entity(ent.entity, self.synonyms_[key], ent.start, ent.end, ent.text,
                             ent.extractor, ent.confidence)
            out.append(ent)
        message.entities = out
