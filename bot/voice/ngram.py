"""Interpolated modified Kneser-Ney n-gram models written as ARPA text, for small corpora.

pocketsphinx's own ``ArpaBoLM`` takes a fixed share of probability from every n-gram and
backs off to plain lower-order frequencies. Kneser-Ney instead discounts by how often
n-grams of each count occur (Chen and Goodman's three discounts) and backs off to
*continuation* counts, how many different words precede a word: "shipped" after a new
context is then predicted by how many contexts it completes, not by raw frequency. That
matters for a domain model, where callers often say familiar words in new orders.

In ARPA form an interpolated model stores, for each seen n-gram, its full interpolated
probability, and for each history the interpolation weight as the back-off weight, so an
unseen word gets ``bow(h) * P(w | shorter h)`` exactly as in the interpolated formula.
"""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable

START, END = "<s>", "</s>"
Gram = tuple[str, ...]


def _discounts(counts: Counter[Gram]) -> tuple[float, float, float]:
    """Chen and Goodman's D1, D2, D3+ from the count-of-counts (safe for tiny corpora)."""
    n = Counter(min(c, 4) for c in counts.values())
    n1, n2, n3, n4 = (max(n[k], 1) for k in (1, 2, 3, 4))
    y = n1 / (n1 + 2 * n2)
    d = (1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3)
    return tuple(min(max(x, 0.1), k) for k, x in zip((0.9, 1.9, 2.9), d))  # type: ignore[return-value]


def _counts(sentences: Iterable[str], order: int) -> list[Counter[Gram]]:
    """Per order (index 0 = unigrams): raw counts at the top, continuation counts below."""
    raw: list[Counter[Gram]] = [Counter() for _ in range(order)]
    for sentence in sentences:
        words = [START, *sentence.split(), END]
        for n in range(1, order + 1):
            for i in range(len(words) - n + 1):
                raw[n - 1][tuple(words[i:i + n])] += 1
    counts = [raw[-1]]
    for n in range(order - 1, 0, -1):
        left = Counter(g[1:] for g in raw[n])  # distinct words seen before each n-gram
        # n-grams starting a sentence have no left context: their raw count stands in.
        counts.insert(0, Counter({g: (c if g[0] == START else left[g]) for g, c in raw[n - 1].items()}))
    counts[0].pop((START,), None)
    return counts


def kneser_ney(sentences: Iterable[str], order: int = 3) -> tuple[list[dict[Gram, float]],
                                                                   list[dict[Gram, float]]]:
    """Probabilities and back-off weights per order (natural, not logarithms)."""
    counts = _counts(sentences, order)
    vocabulary = {g[0] for g in counts[0]}
    probs: list[dict[Gram, float]] = []
    backoffs: list[dict[Gram, float]] = []
    for n, grams in enumerate(counts, start=1):
        d = _discounts(grams)
        totals: dict[Gram, float] = defaultdict(float)
        kinds: dict[Gram, list[int]] = defaultdict(lambda: [0, 0, 0])
        for g, c in grams.items():
            totals[g[:-1]] += c
            kinds[g[:-1]][min(c, 3) - 1] += 1
        gamma = {h: sum(di * k for di, k in zip(d, kinds[h])) / t for h, t in totals.items()}
        level: dict[Gram, float] = {}
        for g, c in grams.items():
            h = g[:-1]
            lower = probs[-1].get(g[1:]) if n > 1 else 1 / len(vocabulary)
            if lower is None:  # g[1:] unseen below: back off through the shorter histories
                lower = _backoff_prob(probs, backoffs, g[1:])
            level[g] = (c - d[min(c, 3) - 1]) / totals[h] + gamma[h] * lower
        probs.append(level)
        if n > 1:
            backoffs.append(gamma)
    probs[0][(START,)] = 0.0
    backoffs.append({})
    # Back-off weight of history h (order n) lives with the n-gram h in level n.
    return probs, [dict(b) for b in backoffs[:order]]


def _backoff_prob(probs: list[dict[Gram, float]], backoffs: list[dict[Gram, float]],
                  g: Gram) -> float:
    weight = 1.0
    while g:
        p = probs[len(g) - 1].get(g)
        if p is not None:
            return weight * p
        weight *= backoffs[len(g) - 2].get(g[:-1], 1.0) if len(g) > 1 else 1.0
        g = g[1:]
    return 0.0


def arpa(sentences: Iterable[str], order: int = 3) -> str:
    """The ARPA text of an interpolated modified Kneser-Ney model of ``sentences``."""
    probs, backoffs = kneser_ney(sentences, order)
    out = io.StringIO()
    out.write("\\data\\\n")
    for n, level in enumerate(probs, start=1):
        out.write(f"ngram {n}={len(level)}\n")
    for n, level in enumerate(probs, start=1):
        out.write(f"\n\\{n}-grams:\n")
        bows = backoffs[n - 1] if n < order else {}
        for g in sorted(level):
            p = level[g]
            logp = math.log10(p) if p > 0 else -99.0
            bow = bows.get(g)
            tail = f"\t{math.log10(bow):.4f}" if bow is not None and bow > 0 else \
                ("\t0.0000" if n < order and g[-1] != END else "")
            out.write(f"{logp:.4f}\t{' '.join(g)}{tail}\n")
    out.write("\n\\end\\\n")
    return out.getvalue()
