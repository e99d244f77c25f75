"""Words for BM25: Chinese segmented by jieba (search mode, so 退货政策 also matches 退货),
other text lower-cased, stop words dropped, English stemmed (Snowball, PyStemmer)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[\w']+", re.UNICODE)
_STOP_EN = frozenset(STOPWORDS_EN) | {"can", "do", "does", "how", "what", "i", "my", "me",
                                      "you", "your", "we", "our"}
_STOP_ZH = frozenset("的 了 吗 呢 吧 啊 是 我 你 您 们 在 有 和 与 请问 怎么 怎样 如何 什么 可以 能 要 想 "
                     "一下 这个 那个 哪些 多少 就 都 也 还 会 把 被 给 让".split())


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokenize(text: str) -> list[str]:
    """The BM25 terms of ``text`` (any mix of Chinese and other scripts)."""
    text = text.lower()
    if _HAN.search(text):
        words = [w.strip() for w in _jieba().cut_for_search(text)]
    else:
        words = _WORD.findall(text)
    latin = [w for w in words if w and not _HAN.search(w) and _WORD.fullmatch(w)
             and w not in _STOP_EN]
    han = [w for w in words if _HAN.search(w) and w not in _STOP_ZH]
    return _stemmer().stemWords(latin) + han
