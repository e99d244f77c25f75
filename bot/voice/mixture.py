"""The domain model interpolated with pocketsphinx's generic English model, over the domain's
own words.

A model built only from the bot's phrases knows which words follow which *in those
phrases*; a caller who puts familiar words in a new order ("my parcel has not come") meets
back-off estimates that know nothing about English. The generic model that ships with
pocketsphinx (``en-us.lm.bin``, 2 million bigrams of general English) does know that "has
not" is likely and "has the not" is not. This module takes its unigram and bigram
probabilities restricted to the domain vocabulary (renormalised over it, so the small
dictionary and fast search stay as they are), mixes them linearly with the domain model,

    P(w | h) = (1 - g) * P_domain(w | h) + g * P_generic(w | h[-1])

and writes the result as one ARPA trigram model with back-off weights recomputed so every
history's distribution sums to one (static interpolation, as SRILM's ``ngram -mix-lm``
does). Trigrams come from the domain model only; their generic share is the bigram.

The generic model is read through ``NGramModel.prob`` rather than converted to ARPA:
pocketsphinx 5.1.1's ARPA writer crashes on the shipped model (its header counts six more
bigrams than its trie holds, cmusphinx/pocketsphinx#501). A bigram the generic model
stores explicitly shows up as a deviation from ``bow(u) + log P(w)``, which every backed-off
bigram of the same history shares, give or take the rounding of its integer log arithmetic.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

START, END = "<s>", "</s>"
Gram = tuple[str, ...]
# A word the generic model lacks (a product name, say) gets this generic unigram probability
# before renormalisation: rare, but not impossible.
FLOOR = 1e-7
# Back-off offsets of one history differ by up to a unit of LogMath rounding (1e-4 in ln).
ROUNDING = 2
_SECTION = re.compile(r"\\(\d)-grams:")


@dataclass(frozen=True)
class GenericBigrams:
    """The generic model over one vocabulary, as natural probabilities renormalised over it.

    ``unigram[w]`` is P(w); ``bigram[u]`` maps the words the generic model stores explicitly
    after ``u`` to P(w | u); any other word after ``u`` gets ``backoff[u] * unigram[w]``.
    """

    unigram: dict[str, float]
    bigram: dict[str, dict[str, float]]
    backoff: dict[str, float]

    def prob(self, word: str, history: str) -> float:
        """P(word | history) under the restricted generic model."""
        explicit = self.bigram.get(history, {})
        if word in explicit:
            return explicit[word]
        return self.backoff.get(history, 1.0) * self.unigram.get(word, 0.0)


def generic_bigrams(vocabulary: Collection[str]) -> GenericBigrams:
    """The generic en-us model's unigrams and bigrams over ``vocabulary`` (cached per set)."""
    return _generic_bigrams(frozenset(vocabulary) - {START, END})


@lru_cache(maxsize=2)
def _generic_bigrams(words: frozenset[str]) -> GenericBigrams:
    from pocketsphinx import Config, LogMath, NGramModel, get_model_path

    logmath = LogMath()
    model = NGramModel(Config(), logmath, get_model_path("en-us/en-us.lm.bin"))
    to_ln = math.log(1.0001)  # LogMath's default base: prob() answers in its integer units
    unknown = model.prob(["a-word-no-model-has"])
    predicted = sorted(words) + [END]  # what can follow a word
    raw_unigram = {}
    for w in predicted:
        score = model.prob([w])
        raw_unigram[w] = math.exp(score * to_ln) if score > unknown else FLOOR
    total = sum(raw_unigram.values())
    unigram = {w: p / total for w, p in raw_unigram.items()}
    bigram: dict[str, dict[str, float]] = {}
    backoff: dict[str, float] = {}
    for u in [START, *sorted(words)]:
        if u != START and model.prob([u]) <= unknown:
            continue  # the generic model cannot condition on a word it lacks
        # prob([w, u]) is log P(w | u); words the model backs off for share one offset.
        scores = {w: model.prob([w, u]) for w in predicted if raw_unigram[w] > FLOOR}
        offsets = Counter(s - model.prob([w]) for w, s in scores.items())
        shared = offsets.most_common(1)[0][0]
        explicit = {w: math.exp(s * to_ln) for w, s in scores.items()
                    if abs(s - model.prob([w]) - shared) > ROUNDING}
        weight = math.exp(shared * to_ln)
        # Renormalise P(. | u) over the vocabulary: explicit mass + backed-off mass.
        z = sum(explicit.values()) + weight * sum(
            p for w, p in raw_unigram.items() if w not in explicit)
        bigram[u] = {w: p / z for w, p in explicit.items()}
        backoff[u] = weight * total / z
    return GenericBigrams(unigram, bigram, backoff)


def parse_arpa(text: str) -> list[dict[Gram, tuple[float, float | None]]]:
    """Per order: n-gram -> (log10 probability, log10 back-off weight or None)."""
    levels: list[dict[Gram, tuple[float, float | None]]] = []
    order = 0
    for line in text.splitlines():
        section = _SECTION.match(line.strip())
        if section:
            order = int(section.group(1))
            levels.extend({} for _ in range(order - len(levels)))
            continue
        parts = line.split()
        if order == 0 or not parts or line.startswith("\\"):
            continue
        bow = float(parts[order + 1]) if len(parts) > order + 1 else None
        levels[order - 1][tuple(parts[1:order + 1])] = (float(parts[0]), bow)
    return levels


class _BackoffModel:
    """Probabilities from parsed ARPA levels, backing off as ARPA defines."""

    def __init__(self, levels: list[dict[Gram, tuple[float, float | None]]]) -> None:
        self.levels = levels

    @classmethod
    def of(cls, probs: list[dict[Gram, float]], backoffs: list[dict[Gram, float]]
           ) -> _BackoffModel:
        """A model of natural probabilities and back-off weights (histories one level down)."""
        levels = [
            {k: (math.log10(p), math.log10(backoffs[n][k]) if n < len(backoffs)
                 and k in backoffs[n] else None) for k, p in level.items()}
            for n, level in enumerate(probs)]
        return cls(levels)

    def prob(self, gram: Gram) -> float:
        weight = 0.0
        while gram:
            entry = self.levels[len(gram) - 1].get(gram)
            if entry is not None:
                return 10 ** (weight + entry[0])
            history = self.levels[len(gram) - 2].get(gram[:-1]) if len(gram) > 1 else None
            weight += (history[1] or 0.0) if history else 0.0
            gram = gram[1:]
        return 0.0


def interpolate(domain_arpa: str, generic_weight: float,
                generic: GenericBigrams | None = None) -> str:
    """``domain_arpa`` (order 2 or more) mixed with the generic model at ``generic_weight``."""
    levels = parse_arpa(domain_arpa)
    if len(levels) < 2:
        raise ValueError("the domain model needs bigrams to be mixed")
    domain = _BackoffModel(levels)
    vocabulary = {g[0] for g in levels[0]}
    if generic is None:
        generic = generic_bigrams(vocabulary)
    g, d = generic_weight, 1.0 - generic_weight
    unigram = {(w,): d * domain.prob((w,)) + g * generic.unigram.get(w, 0.0)
               for w in vocabulary - {START}}
    bigram_keys = set(levels[1]) | {
        (u, w) for u, row in generic.bigram.items() if u in vocabulary
        for w in row if w in vocabulary}
    mixed = [unigram] + [
        {k: d * domain.prob(k) + g * generic.prob(k[-1], k[-2]) for k in keys
         if k[-1] != START and END not in k[:-1]}
        for keys in [bigram_keys, *levels[2:]]]
    backoffs: list[dict[Gram, float]] = []
    for n in range(1, len(mixed)):
        lower = _BackoffModel.of(mixed[:n], backoffs)
        backoffs.append(_backoffs(mixed[n], lambda k, lower=lower: lower.prob(k[1:])))
    out = io.StringIO()
    out.write(f"Domain model mixed with pocketsphinx's generic en-us model at weight "
              f"{generic_weight} over its {len(vocabulary)} words (bot.voice.mixture)\n\n")
    out.write("\\data\\\n" + "".join(
        f"ngram {n}={len(level) + (n == 1)}\n" for n, level in enumerate(mixed, 1)))
    for n, level in enumerate(mixed, 1):
        out.write(f"\n\\{n}-grams:\n")
        if n == 1:
            out.write(f"-99.0000\t{START}\t{math.log10(backoffs[0].get((START,), 1.0)):.4f}\n")
        for k in sorted(level):
            bow = backoffs[n - 1].get(k) if n < len(mixed) else None
            if bow is None and n < len(mixed) and k[-1] != END:
                bow = 1.0
            out.write(f"{math.log10(level[k]):.4f}\t{' '.join(k)}"
                      + (f"\t{math.log10(bow):.4f}\n" if bow is not None else "\n"))
    out.write("\n\\end\\\n")
    return out.getvalue()


def _backoffs(level: dict[Gram, float], lower) -> dict[Gram, float]:  # noqa: ANN001
    """Back-off weight per history so that explicit + backed-off mass sums to one."""
    explicit: dict[Gram, float] = defaultdict(float)
    lower_mass: dict[Gram, float] = defaultdict(float)
    for k, p in level.items():
        explicit[k[:-1]] += p
        lower_mass[k[:-1]] += lower(k)
    return {h: max(1.0 - explicit[h], 1e-9) / max(1.0 - lower_mass[h], 1e-9) for h in explicit}
