"""From hits to what the bot may say: passages above the calibrated threshold, or nothing
(then the bot says it does not know; it never makes an answer up)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.index import Hit, KnowledgeIndex

# Calibrated on held-out questions (bench/knowledge, BENCHMARKS.md "Knowledge base"): the
# fused score above which an answer is right far more often than wrong.
DEFAULT_THRESHOLD = 0.44


@dataclass(frozen=True)
class AnswerConfig:
    """``threshold``: least fused score worth answering; ``alternatives``: how many
    passages a "No, that did not help" may step through."""

    threshold: float = DEFAULT_THRESHOLD
    alternatives: int = 3


def confident_hits(index: KnowledgeIndex, question: str, language: str | None,
                   config: AnswerConfig = AnswerConfig()) -> list[Hit]:
    """The passages the bot may quote for ``question``, best first (empty: "I don't
    know"). Passages with the same text are offered once."""
    seen: set[str] = set()
    out: list[Hit] = []
    for hit in index.search(question, language, k=config.alternatives * 2):
        if hit.score < config.threshold or hit.passage.text in seen:
            continue
        seen.add(hit.passage.text)
        out.append(hit)
        if len(out) == config.alternatives:
            break
    return out
