"""Learned sentiment for English and Chinese: label, score in [-1, 1], frustration flag.

The weights ship with kefu (``bot/nlu/models/sentiment-v1.npz``; provenance, data licences
and val figures in the ``.json`` beside it; rebuilt by ``python -m bot.nlu.sentiment_build``):

- English: balanced logistic regression on word + char TF-IDF n-grams and the
  all-MiniLM-L6-v2 embedding, trained on TweetEval (3 classes). The embedding is the one the
  intent classifier already computed for the message (``sentence_embeddings`` cache), so
  sentiment adds only n-gram look-ups to a parse.
- Chinese: NB-LR on char + jieba word n-grams, trained on ChnSentiCorp (2 classes), times a
  second NB-LR that tells opinion from neutral requests (reviews, complaints and thanks vs
  kefu's own neutral Chinese examples): P(neutral) from the second, the rest split by the
  first.

Then light rules (``sentiment_rules``) for negation-aware lexicon cues, emoji, sarcasm-lite
and intensity. ``score = P(positive) - P(negative)``; ``frustrated`` as the lexicon scorer
defines it (a frustration phrase, or a strongly negative score), so the engine's handoff
and the queue's priority read the same contract as before.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import softmax
from sklearn.exceptions import NotFittedError

from bot.nlu.components import sentiment_rules as rules
from bot.nlu.components.base import Component, Message
from bot.nlu.components.sentiment import _FRUSTRATION
from bot.nlu.errors import PipelineConfigError
from bot.nlu.registry import register
from bot.nlu.types import Sentiment

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "sentiment-v1.npz"
LABELS = ("negative", "neutral", "positive")
ZH_FULL_PRIOR_CHARS = 50


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@register("kefu.learned_sentiment.v1")
class LearnedSentiment(Component):
    """Sentiment from the shipped learned models plus light rules (see module docstring)."""

    def __init__(self, weights: str | None = None, lexicon_weight: float = 0.3,
                 zh_neutral_bias: float = -2.0, frustration: float = -0.8,
                 embeddings: str = "minilm") -> None:
        self.weights = weights
        self.lexicon_weight = lexicon_weight
        self.zh_neutral_bias = zh_neutral_bias
        self.frustration = frustration
        self.embeddings = embeddings

    def fit(self, data, messages: list[Message]) -> LearnedSentiment:
        """Load the trained weights and pin them by SHA-256 (their training data does not
        ship: see the module docstring); kefu's intent data carries no sentiment labels."""
        path = self._path()
        self.sha256_ = file_sha256(path)
        self._load(path)
        provenance = path.with_suffix(".json")
        self.provenance_ = (json.loads(provenance.read_text(encoding="utf-8"))
                            if provenance.is_file() else {})
        return self

    def _path(self) -> Path:
        path = Path(self.weights) if self.weights else DEFAULT_WEIGHTS
        if not path.is_file():
            raise PipelineConfigError(f"sentiment weights not found: {path}")
        return path

    def _load(self, path: Path) -> None:
        models = _shared_models(path, self.sha256_)
        if set(models) != {"en", "zh", "zh_subjectivity"}:
            raise PipelineConfigError(f"{path} holds models {sorted(models)}, "
                                      "not en, zh and zh_subjectivity")
        self.models_ = models

    # The weights stay in their own file: model.joblib keeps the path and hash only.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("models_", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "sha256_" in state:
            path = self._path()
            if file_sha256(path) != self.sha256_:
                raise PipelineConfigError(f"{path} changed since this model was trained; retrain")
            self._load(path)

    def scores(self, messages: list[Message]) -> np.ndarray:
        """Class scores (negative, neutral, positive) from the models, before the rules."""
        if not hasattr(self, "models_"):
            raise NotFittedError("learned sentiment is not fitted")
        out = np.zeros((len(messages), 3))
        zh = [i for i, m in enumerate(messages) if m.language == "zh"]
        en = [i for i, m in enumerate(messages) if m.language != "zh"]
        if en:
            from bot.nlu.embeddings import sentence_embeddings

            texts = [messages[i].text for i in en]
            out[en] = self.models_["en"].decision(texts, sentence_embeddings(self.embeddings,
                                                                             texts))
        if zh:
            texts = [messages[i].text for i in zh]
            polar_model, opinion_model = self.models_["zh"], self.models_["zh_subjectivity"]
            grams = polar_model.grams(texts)
            polar = polar_model.decision(texts, grams=grams)
            opinion = opinion_model.decision(
                texts, grams=grams if opinion_model.same_analysers(polar_model) else None)
            # log-odds positive vs negative. The intercept (-1.1) balances the evidence of
            # a whole review; a chat message of a few characters would be all intercept,
            # so it counts in full only from 50 characters on (no loss on ChnSentiCorp val).
            bias = float(polar_model.intercept_[1] - polar_model.intercept_[0])
            length = np.array([min(1.0, len(t) / ZH_FULL_PRIOR_CHARS) for t in texts])
            z = polar[:, 1] - polar[:, 0] - bias * (1.0 - length)
            # opinion vs neutral; the default bias leans to opinion: kefu's neutral examples
            # are all short, so short complaints ("质量不好") would read as neutral
            s = opinion[:, 1] - opinion[:, 0] - self.zh_neutral_bias
            # log P: neutral = sigmoid(-s); negative/positive share the rest by sigmoid(z)
            out[zh] = np.column_stack([-np.logaddexp(0, -s) - np.logaddexp(0, z),
                                       -np.logaddexp(0, s),
                                       -np.logaddexp(0, -s) - np.logaddexp(0, -z)])
        return out

    def sentiment(self, text: str, logits: np.ndarray) -> Sentiment:
        """Label, score and frustration of one message from its class scores."""
        if not text.strip():
            return Sentiment(0.0, "neutral")
        probs = softmax(rules.adjust(text, logits, self.lexicon_weight))
        score = float(probs[rules.POS] - probs[rules.NEG])
        score = 0.0 if math.isnan(score) else max(-1.0, min(1.0, score))
        phrase = bool(_FRUSTRATION.search(text))
        exclaims = len(rules.EXCLAIM.findall(text))
        frustrated = score <= self.frustration or (phrase and score < 0) or (
            phrase and exclaims >= 2)
        return Sentiment(round(score, 4), LABELS[int(np.argmax(probs))], frustrated)

    def process(self, message: Message) -> None:
        """Score one message."""
        self.process_batch([message])

    def process_batch(self, messages: list[Message]) -> None:
        """Score several messages (one embedding look-up for the English ones)."""
        if not messages:
            return
        for message, logits in zip(messages, self.scores(messages), strict=True):
            message.sentiment = self.sentiment(message.text, logits)


# Loaded weights by (file, sha256), shared by every pipeline of the process: they are
# read-only (~70 MB in memory), and a server or test run loads the same model many times.
_SHARED: dict[tuple[str, str], dict[str, Any]] = {}
_SHARED_MAX = 4


def _shared_models(path: Path, sha256: str) -> dict[str, Any]:
    key = (str(path.resolve()), sha256)
    models = _SHARED.get(key)
    if models is None:
        from bot.nlu.sentiment_model import load_models

        models = load_models(path)
        while len(_SHARED) >= _SHARED_MAX:
            _SHARED.pop(next(iter(_SHARED)))
        _SHARED[key] = models
    return models
