"""The interpreter the dialogue engine calls: ``parse(text) -> ParseResult``, never raising."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.nlu.components.base import Message
from bot.nlu.components.entities_rules import LookupEntityExtractor
from bot.nlu.payload import parse_payload
from bot.nlu.pipeline import Pipeline, load_pipeline
from bot.nlu.text import clean, detect_language
from bot.nlu.types import FALLBACK_INTENT, Intent, ParseResult, Sentiment

log = logging.getLogger(__name__)


class KefuInterpreter:
    """A trained pipeline plus its metadata. Thread-compatible for ``parse``; ``set_lookup``
    swaps a table atomically (the compiled pattern is rebuilt on the next parse)."""

    def __init__(self, pipeline: Pipeline, metadata: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.metadata = metadata

    @classmethod
    def load(cls, model_dir: str | Path) -> KefuInterpreter:
        """Load a model folder written by ``train``."""
        pipeline, metadata = load_pipeline(model_dir)
        return cls(pipeline, metadata)

    @property
    def intents(self) -> list[str]:
        """Intents the model was trained on."""
        return list(self.metadata.get("intents", []))

    def set_lookup(self, name: str, values: Iterable[str]) -> None:
        """Feed a run-time lookup table (e.g. ``"product"`` names from the CRM)."""
        extractors = self.pipeline.find(LookupEntityExtractor)
        if not extractors:
            log.warning("pipeline has no lookup extractor; lookup %r ignored", name)
        for extractor in extractors:
            extractor.set_lookup(name, values)

    def runtime_lookups(self) -> dict[str, list[str]]:
        """The run-time lookup tables fed so far (``set_lookup``), by name."""
        tables: dict[str, list[str]] = {}
        for extractor in self.pipeline.find(LookupEntityExtractor):
            tables.update({k: list(v) for k, v in extractor.runtime_tables_.items()})
        return tables

    def parse(self, text: str) -> ParseResult:
        """Understand one message; on any internal error, return ``nlu_fallback``."""
        return self.parse_batch([text])[0]

    def parse_batch(self, texts: list[str]) -> list[ParseResult]:
        """Parse several messages in one vectorised pass (used to micro-batch under load)."""
        results: list[ParseResult | None] = [None] * len(texts)
        pending: list[tuple[int, Message]] = []
        originals: dict[int, str] = {}
        for i, raw in enumerate(texts):
            text = clean(raw)
            payload = parse_payload(text) if text.startswith("/") else None
            if payload is not None:
                results[i] = payload
            else:
                pending.append((i, Message(text)))
                # Report the text as the customer wrote it; ``clean`` keeps its length, so
                # offsets found in the normalised text index the original too.
                originals[i] = raw[: len(text)] if isinstance(raw, str) else text
        if pending:
            messages = [m for _, m in pending]
            try:
                self.pipeline.process_batch(messages)
                done = [_to_result(m, originals[i]) for (i, _), m in
                        zip(pending, messages, strict=True)]
            except Exception:  # noqa: BLE001 - parse must never raise on user text
                log.exception("NLU pipeline failed on a batch; answering nlu_fallback")
                done = [_fallback(originals[i]) for i, _ in pending]
            for (i, _), result in zip(pending, done, strict=True):
                results[i] = result
        return [r for r in results if r is not None]


def _to_result(message: Message, original: str) -> ParseResult:
    if len(original) != len(message.text):
        original = message.text
    entities = tuple(
        e if e.extractor == "payload" else replace(e, text=original[e.start:e.end])
        for e in message.entities
    )
    ranking = tuple(Intent(name, round(conf, 6)) for name, conf in message.intent_ranking)
    top = ranking[0] if ranking else Intent(FALLBACK_INTENT, 1.0)
    return ParseResult(
        text=original,
        intent=top,
        intent_ranking=ranking,
        entities=entities,
        sentiment=message.sentiment or Sentiment(0.0, "neutral"),
        language=message.language,
        out_of_scope_score=message.oos_score,
    )


def _fallback(text: str) -> ParseResult:
    intent = Intent(FALLBACK_INTENT, 1.0)
    return ParseResult(text=text, intent=intent, intent_ranking=(intent,),
                       language=detect_language(text))
