"""Mixing the domain model with the generic English model over the domain's words: the mix
is the weighted sum for every n-gram either model knows, distributions stay as normalised as
the domain model's, and a familiar word order the domain never saw gains probability."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.voice import langmodel, mixture
from bot.voice.langmodel import Corpus

SENTENCES = ["where is my order", "where is my refund", "track my order", "cancel my order",
             "i want a refund", "my order has shipped", "the parcel has not arrived",
             "i have not received it"]


def domain_arpa() -> str:
    return langmodel._arpa(SENTENCES, "arpabo")


def model(text: str) -> mixture._BackoffModel:
    return mixture._BackoffModel(mixture.parse_arpa(text))


def vocabulary(text: str) -> list[str]:
    return [g[0] for g in mixture.parse_arpa(text)[0]]


@pytest.fixture(scope="module")
def generic() -> mixture.GenericBigrams:
    return mixture.generic_bigrams(vocabulary(domain_arpa()))


def test_generic_model_is_renormalised_over_the_domain_words(
    generic: mixture.GenericBigrams,
) -> None:
    words = [w for w in vocabulary(domain_arpa()) if w != "<s>"]
    assert set(generic.unigram) == set(words)
    assert sum(generic.unigram.values()) == pytest.approx(1.0)
    for history in ["<s>", "my", "has", "order"]:
        assert sum(generic.prob(w, history) for w in words) == pytest.approx(1.0)
    # English knowledge the domain lacks: "not" after "has" beats "order" after "has".
    assert generic.prob("not", "has") > 10 * generic.prob("order", "has")
    assert "order" in generic.bigram["my"]  # "my order" is an explicit generic bigram


def test_mix_is_the_weighted_sum_and_keeps_the_domain_normalisation(
    generic: mixture.GenericBigrams,
) -> None:
    text = domain_arpa()
    domain, mixed = model(text), model(mixture.interpolate(text, 0.25, generic))
    words = [w for w in vocabulary(text) if w != "<s>"]
    for gram in [("my", "order"), ("has", "not"), ("is", "my", "refund"), ("refund",)]:
        expected = 0.75 * domain.prob(gram) + 0.25 * (
            generic.prob(gram[-1], gram[-2]) if len(gram) > 1 else generic.unigram[gram[0]])
        assert mixed.prob(gram) == pytest.approx(expected, rel=1e-3)
    for history in [("my",), ("<s>",), ("where", "is"), ("has",)]:
        domain_mass = sum(domain.prob((*history, w)) for w in words)
        mixed_mass = sum(mixed.prob((*history, w)) for w in words)
        assert mixed_mass == pytest.approx(0.75 * domain_mass + 0.25, abs=0.03)
        assert mixed_mass <= 1.0 + 1e-6


def test_a_new_order_of_familiar_words_gains_probability(
    generic: mixture.GenericBigrams,
) -> None:
    text = domain_arpa()
    domain, mixed = model(text), model(mixture.interpolate(text, 0.1, generic))
    # "where is the parcel": "is the" never occurs in the domain sentences.
    new = ("<s>", "where", "is", "the", "parcel", "</s>")

    def logprob(m: mixture._BackoffModel, words: tuple[str, ...]) -> float:
        return sum(math.log10(m.prob(words[max(0, i - 2):i + 1])) for i in range(1, len(words)))

    assert mixed.prob(("where", "is", "the")) > 5 * domain.prob(("where", "is", "the"))
    assert logprob(mixed, new) > logprob(domain, new)


def test_written_model_loads_in_pocketsphinx(tmp_path: Path) -> None:
    from pocketsphinx import Config, LogMath, NGramModel

    files = langmodel.write_model(Corpus(tuple(SENTENCES)), tmp_path, generic_weight=0.1)
    assert files.key.endswith("-g10")
    assert NGramModel(Config(), LogMath(), str(files.arpa)).size() == 3
    plain = langmodel.write_model(Corpus(tuple(SENTENCES)), tmp_path, generic_weight=0)
    assert "-g" not in plain.key and plain.key != files.key
    with pytest.raises(ValueError, match="bigrams"):
        mixture.interpolate("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0 a\n\n\\end\\\n", 0.1)
