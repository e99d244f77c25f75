"""Text helpers shared by components: script-based language detection and tokenisation.

Language detection is by script: kefu serves English and Simplified Chinese, and a message
with enough Han characters is Chinese even when it mixes in English words ("我的order呢").
Tokenisation uses spaCy's blank English tokenizer (no model download); runs of Han
characters are then split by jieba (default) or into single characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN = re.compile(r"[A-Za-z]")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
MAX_CHARS = 4000


@dataclass(frozen=True)
class Token:
    """A token with character offsets into the (cleaned) text."""

    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        """Case-folded text."""
        return self.text.lower()


def clean(text: object) -> str:
    """Text made safe to process: str, NFKC (full-width digits become ASCII), no controls.

    NFKC keeps the length of CJK and ASCII text (so entity offsets still match the original
    in practice); control characters become spaces for the same reason.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_CHARS]
    text = CONTROL.sub(" ", text)
    normal = unicodedata.normalize("NFKC", text)
    # Some compatibility characters expand (e.g. "㎏" -> "kg"); keep offsets stable then.
    return normal if len(normal) == len(text) else text


def detect_language(text: str, zh_ratio: float = 0.3) -> str:
    """``zh`` when Han "words" make up at least ``zh_ratio`` of the words, else ``en``.

    Two Han characters count as about one word, so "我的order在哪" is Chinese and
    "where is my 订单 order please" is English.
    """
    han = len(HAN.findall(text))
    if not han:
        return "en"
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    han_words = han / 2
    return "zh" if han_words / (han_words + latin_words) >= zh_ratio else "en"


@lru_cache(maxsize=1)
def _spacy_tokenizer():  # noqa: ANN202 - spaCy type
    import spacy

    return spacy.blank("en").tokenizer


@lru_cache(maxsize=1)
def _jieba():  # noqa: ANN202
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str, zh_segmenter: str = "jieba") -> list[Token]:
    """spaCy tokens, with Han runs split by jieba (``jieba``) or per character (``char``)."""
    tokens: list[Token] = []
    for tok in _spacy_tokenizer()(text):
        if tok.is_space:
            continue
        start = tok.idx
        if not HAN.search(tok.text):
            tokens.append(Token(tok.text, start, start + len(tok.text)))
            continue
        tokens.extend(_split_han(tok.text, start, zh_segmenter))
    return tokens


def _split_han(piece: str, offset: int, segmenter: str) -> list[Token]:
    out: list[Token] = []
    cursor = 0
    for run in HAN_RUN.finditer(piece):
        if run.start() > cursor:
            out.append(Token(piece[cursor:run.start()], offset + cursor, offset + run.start()))
        if segmenter == "char":
            words = list(run.group())
        else:
            words = list(_jieba().cut(run.group(), HMM=True))
        pos = run.start()
        for word in words:
            out.append(Token(word, offset + pos, offset + pos + len(word)))
            pos += len(word)
        cursor = run.end()
    if cursor < len(piece):
        out.append(Token(piece[cursor:], offset + cursor, offset + len(piece)))
    return out
