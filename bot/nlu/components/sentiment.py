"""Lexicon sentiment for English and Chinese: a score in [-1, 1], a label, a frustration flag.

Word weights are summed with negation (flips and damps the next sentiment word) and
intensifiers (scale it); exclamation marks and SHOUTING amplify. The sum goes through
``tanh`` so the score stays in [-1, 1]. Routing reads ``frustrated``: a strongly negative
score, or a frustration phrase ("third time", "still not", "又", "到底") with a negative one.
"""

from __future__ import annotations

import math
import re

from bot.nlu.components import sentiment_lexicon as lex
from bot.nlu.components.base import Component, Message
from bot.nlu.registry import register
from bot.nlu.text import HAN
from bot.nlu.types import Sentiment

_FRUSTRATION = re.compile("|".join(lex.FRUSTRATION_PATTERNS), re.IGNORECASE)
_ZH_TERMS = sorted(list(lex.ZH_WORDS) + list(lex.ZH_INTENSIFIERS) + list(lex.ZH_NEGATORS),
                   key=len, reverse=True)
_ZH_SCAN = re.compile("|".join(re.escape(t) for t in _ZH_TERMS))
_EN_WORD = re.compile(r"[A-Za-z']+")


def _english_terms(text: str) -> list[tuple[str, bool]]:
    return [(w.lower().replace("’", "'"), w.isupper() and len(w) > 2)
            for w in _EN_WORD.findall(text)]


def _chinese_terms(text: str) -> list[tuple[str, bool]]:
    return [(m.group(0), False) for m in _ZH_SCAN.finditer(text)]


def raw_score(text: str) -> tuple[float, int]:
    """Summed lexicon weight and the number of sentiment words found."""
    total, hits = 0.0, 0
    terms = _english_terms(text) + (_chinese_terms(text) if HAN.search(text) else [])
    negate, boost = False, 1.0
    for term, shouting in terms:
        if term in lex.EN_NEGATORS or term in lex.ZH_NEGATORS or term.endswith("n't"):
            negate = True
            continue
        factor = lex.EN_INTENSIFIERS.get(term) or lex.ZH_INTENSIFIERS.get(term)
        if factor:
            boost *= factor
            continue
        weight = lex.EN_WORDS.get(term, lex.ZH_WORDS.get(term))
        if weight is None:
            continue
        weight *= boost * (1.5 if shouting else 1.0)
        if negate:
            # "not bad" is mildly positive, "not good" clearly negative.
            weight = -weight * (0.5 if weight < 0 else 0.8)
        total += weight
        hits += 1
        negate, boost = False, 1.0
    return total, hits


@register("kefu.lexicon_sentiment.v1")
class LexiconSentiment(Component):
    """Sentiment from the built-in lexicons (no training)."""

    def __init__(self, positive: float = 0.25, negative: float = -0.25,
                 frustration: float = -0.8, scale: float = 3.0) -> None:
        self.positive = positive
        self.negative = negative
        self.frustration = frustration
        self.scale = scale

    def score(self, text: str) -> Sentiment:
        """Sentiment of a text."""
        total, _ = raw_score(text)
        exclaims = min(text.count("!") + text.count("！"), 5)
        if total < 0 and exclaims:
            total *= 1 + 0.15 * exclaims
        score = math.tanh(total / self.scale)
        label = ("positive" if score >= self.positive
                 else "negative" if score <= self.negative else "neutral")
        phrase = bool(_FRUSTRATION.search(text))
        frustrated = score <= self.frustration or (phrase and score < 0) or (
            phrase and exclaims >= 2)
        return Sentiment(round(score, 4), label, frustrated)

    def process(self, message: Message) -> None:
        """Score the message."""
        message.sentiment = self.score(message.text)
