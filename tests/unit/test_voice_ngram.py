"""The Kneser-Ney ARPA writer: every history's distribution sums to one, continuation
counts shape the back-off, and pocketsphinx reads the file and decodes with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.voice import langmodel, ngram
from bot.voice.langmodel import Corpus

SENTENCES = ["where is my order", "where is my refund", "track my order", "cancel my order",
             "i want a refund", "my order has shipped", "san francisco", "ship to san francisco",
             "from san francisco"]


def prob(probs, backoffs, history: tuple[str, ...], word: str) -> float:  # noqa: ANN001
    gram, weight = (*history, word), 1.0
    while gram not in probs[len(gram) - 1]:
        weight *= backoffs[len(gram) - 2].get(gram[:-1], 1.0)
        gram = gram[1:]
    return weight * probs[len(gram) - 1][gram]


@pytest.mark.parametrize("order", [2, 3, 4])
def test_distributions_sum_to_one(order: int) -> None:
    probs, backoffs = ngram.kneser_ney(SENTENCES, order)
    words = [g[0] for g in probs[0] if g[0] != ngram.START]
    for history in [(), ("my",), ("<s>",), ("where", "is"), ("is", "my"), ("zebra",)][:8]:
        history = history[-(order - 1):] if order > 1 else ()
        assert sum(prob(probs, backoffs, history, w) for w in words) == pytest.approx(1.0)


def test_continuation_counts_favour_words_seen_in_many_contexts() -> None:
    probs, _ = ngram.kneser_ney(SENTENCES, 3)
    # "francisco" is more frequent than "refund" but always follows "san": it completes
    # fewer contexts, so Kneser-Ney gives it less unigram mass.
    assert probs[0][("francisco",)] < probs[0][("refund",)]


def test_pocketsphinx_reads_the_model(tmp_path: Path) -> None:
    from pocketsphinx import Config, LogMath, NGramModel

    files = langmodel.write_model(Corpus(tuple(SENTENCES)), tmp_path, smoothing="kn3")
    model = NGramModel(Config(), LogMath(), str(files.arpa))
    assert model.size() == 3
    assert "kn3" in files.key
    with pytest.raises(ValueError):
        langmodel.write_model(Corpus(tuple(SENTENCES)), tmp_path / "x", smoothing="witten")
