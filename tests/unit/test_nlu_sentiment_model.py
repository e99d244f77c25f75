"""The n-gram linear model behind learned sentiment: fit on tiny data, save, load, same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from bot.nlu.sentiment_model import NgramLinearModel, load_models, save_models

EN = [("thanks, this is great", "positive"), ("love it, perfect", "positive"),
      ("great help, thank you", "positive"), ("this is awful", "negative"),
      ("terrible, I hate it", "negative"), ("awful awful service", "negative"),
      ("where is my order", "neutral"), ("what time do you open", "neutral"),
      ("is my order shipped", "neutral")]
ZH = [("非常满意，谢谢", "positive"), ("很好，推荐", "positive"), ("质量不错，满意", "positive"),
      ("太差了，失望", "negative"), ("垃圾，很差", "negative"), ("失望，不推荐", "negative")]


def _fit_en(dense: bool) -> tuple[NgramLinearModel, np.ndarray | None]:
    texts, labels = zip(*EN, strict=True)
    vectors = np.random.default_rng(0).normal(size=(len(texts), 4)) if dense else None
    model = NgramLinearModel(("negative", "neutral", "positive"), min_df=1, C=10.0)
    return model.fit(list(texts), list(labels), vectors), vectors


@pytest.mark.parametrize("dense", [False, True])
def test_tiny_fit_save_load_predicts_the_same(tmp_path: Path, dense: bool) -> None:
    en, vectors = _fit_en(dense)
    texts, labels = zip(*ZH, strict=True)
    zh = NgramLinearModel(("negative", "positive"), weighting="nb", char_ngrams=(1, 2),
                          char_analyzer="char", segment="jieba", min_df=1, C=10.0)
    zh.fit(list(texts), list(labels))
    loaded = load_models(save_models({"en": en, "zh": zh}, tmp_path / "w.npz"))
    probe_en = ["thanks, great", "awful, hate it", "where is it"]
    probe_dense = vectors[[0, 3, 6]] if dense else None
    before, after = en.decision(probe_en, probe_dense), loaded["en"].decision(probe_en, probe_dense)
    # Weights are stored as float16: equal to ~3 significant digits, same decisions.
    np.testing.assert_allclose(after, before, atol=2e-2)
    assert [en.classes[i] for i in after.argmax(1)] == ["positive", "negative", "neutral"]
    probe_zh = ["很满意", "很失望"]
    assert (loaded["zh"].decision(probe_zh).argmax(1) == zh.decision(probe_zh).argmax(1)).all()
    assert [zh.classes[i] for i in loaded["zh"].decision(probe_zh).argmax(1)] == [
        "positive", "negative"]


def test_unfitted_model_refuses_to_predict() -> None:
    with pytest.raises(NotFittedError):
        NgramLinearModel(("a", "b")).decision(["x"])


def test_nb_weighting_needs_two_classes() -> None:
    texts, labels = zip(*EN, strict=True)
    with pytest.raises(ValueError, match="two classes"):
        NgramLinearModel(("negative", "neutral", "positive"), weighting="nb", min_df=1).fit(
            list(texts), list(labels))


def test_pipelines_share_one_copy_of_the_shipped_weights() -> None:
    """Every pipeline load used to hold its own ~70 MB copy: a test run of many apps ran out
    of memory. The weights are read-only, so the process keeps one per file and hash."""
    from bot.nlu.components.sentiment_learned import LearnedSentiment

    first, second = LearnedSentiment(), LearnedSentiment()
    first.fit(None, [])
    second.fit(None, [])
    assert first.models_ is second.models_
