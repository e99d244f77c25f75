"""Intent classification: sparse TF-IDF (+ optional static embeddings) and a linear model.

Confidences are calibrated by temperature scaling: the model is first fitted on a stratified
85 % split, a single temperature is chosen to minimise the log-loss of softmax(scores / T)
on the other 15 %, and the model is then refitted on everything.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from bot.nlu.components.base import Component, Message
from bot.nlu.errors import PipelineConfigError
from bot.nlu.registry import register
from bot.nlu.training_data import TrainingData

CLASSIFIERS = ("linear_svc", "logreg")


def word_ngrams(tokens: list[str]) -> list[str]:
    """Unigrams and bigrams of already-lower-cased tokens (module level so it pickles)."""
    grams = list(tokens)
    grams.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    return grams


class TextFeaturizer:
    """word n-grams + char n-grams TF-IDF, optionally with scaled WordLlama embeddings."""

    def __init__(self, char_ngrams: tuple[int, int] = (1, 5), embeddings: str | None = None,
                 embedding_weight: float = 1.0) -> None:
        self.char_ngrams = tuple(char_ngrams)
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight

    def fit_transform(self, messages: list[Message]) -> sp.csr_matrix:
        """Fit the vocabularies and return the features."""
        self.word_ = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True)
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                     sublinear_tf=True, min_df=2, lowercase=True)
        words = self.word_.fit_transform(_token_lists(messages))
        chars = self.char_.fit_transform([_char_text(m) for m in messages])
        return self._stack(words, chars, messages)

    def transform(self, messages: list[Message]) -> sp.csr_matrix:
        """Features for new messages."""
        if not hasattr(self, "word_"):
            raise NotFittedError("TextFeaturizer is not fitted")
        words = self.word_.transform(_token_lists(messages))
        chars = self.char_.transform([_char_text(m) for m in messages])
        return self._stack(words, chars, messages)

    def _stack(self, words: sp.spmatrix, chars: sp.spmatrix, messages: list[Message]) -> sp.csr_matrix:
        blocks = [words, chars]
        if self.embeddings == "wordllama":
            from bot.nlu.embeddings import embed

            dense = embed([m.text for m in messages]) * self.embedding_weight
            blocks.append(sp.csr_matrix(dense))
        return sp.hstack(blocks, format="csr")


def _token_lists(messages: list[Message]) -> list[list[str]]:
    return [[t.lower for t in m.tokens if not t.text.isspace()] for m in messages]


def _char_text(message: Message) -> str:
    # Separate tokens by spaces so char_wb n-grams respect jieba's Chinese word boundaries too.
    return " ".join(t.text for t in message.tokens) if message.tokens else message.text


@register("kefu.tfidf_linear_intent.v1")
class TfidfLinearIntentClassifier(Component):
    """Linear intent model on TF-IDF (and optional embedding) features, with a ranking."""

    def __init__(self, classifier: str = "linear_svc", C: float = 0.5,  # noqa: N803
                 char_ngrams: tuple[int, int] | list[int] = (1, 5),
                 embeddings: str | None = None, embedding_weight: float = 1.0,
                 calibrate: bool = True, ranking_length: int = 10,
                 random_state: int = 0) -> None:
        if classifier not in CLASSIFIERS:
            raise PipelineConfigError(f"classifier must be one of {CLASSIFIERS}, not {classifier!r}")
        if embeddings not in (None, "wordllama"):
            raise PipelineConfigError(f"embeddings must be null or wordllama, not {embeddings!r}")
        self.classifier = classifier
        self.C = C
        self.char_ngrams = tuple(char_ngrams)
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight
        self.calibrate = calibrate
        self.ranking_length = ranking_length
        self.random_state = random_state

    def _model(self):  # noqa: ANN202 - sklearn estimator
        if self.classifier == "logreg":
            return LogisticRegression(C=self.C, max_iter=1000)
        return LinearSVC(C=self.C)

    def fit(self, data: TrainingData, messages: list[Message]) -> TfidfLinearIntentClassifier:
        """Fit features and model; choose the temperature on a held-out split."""
        labels = np.array([e.intent for e in data.examples])
        if len(set(labels)) < 2:
            raise PipelineConfigError("intent classification needs at least two intents")
        self.featurizer_ = TextFeaturizer(self.char_ngrams, self.embeddings, self.embedding_weight)
        features = self.featurizer_.fit_transform(messages)
        self.temperature_ = 1.0
        if self.calibrate:
            self.temperature_ = self._fit_temperature(features, labels)
        self.model_ = self._model().fit(features, labels)
        self.classes_ = self.model_.classes_
        return self

    def _fit_temperature(self, features: sp.csr_matrix, labels: np.ndarray) -> float:
        counts = {c: int((labels == c).sum()) for c in set(labels)}
        if min(counts.values()) < 2 or len(labels) < 4 * len(counts):
            return 1.0  # too little data to hold any out; keep raw scores
        x_fit, x_cal, y_fit, y_cal = train_test_split(
            features, labels, test_size=0.15, stratify=labels, random_state=self.random_state
        )
        model = self._model().fit(x_fit, y_fit)
        scores = _scores(model, x_cal)
        index = {c: i for i, c in enumerate(model.classes_)}
        keep = np.array([y in index for y in y_cal])
        target = np.array([index[y] for y in y_cal[keep]])
        scores = scores[keep]

        def nll(log_t: float) -> float:
            logp = log_softmax(scores / np.exp(log_t), axis=1)
            return float(-logp[np.arange(len(target)), target].mean())

        result = minimize_scalar(nll, bounds=(-5.0, 3.0), method="bounded")
        return float(np.exp(result.x))

    def predict_proba(self, messages: list[Message]) -> np.ndarray:
        """Calibrated probabilities, columns in ``classes_`` order."""
        if not hasattr(self, "model_"):
            raise NotFittedError("intent classifier is not fitted")
        features = self.featurizer_.transform(messages)
        return softmax(_scores(self.model_, features) / self.temperature_, axis=1)

    def process(self, message: Message) -> None:
        """Rank intents for one message."""
        self.process_batch([message])

    def process_batch(self, messages: list[Message]) -> None:
        """Rank intents for several messages with one vectorised pass."""
        if not messages:
            return
        probs = self.predict_proba(messages)
        top = np.argsort(-probs, axis=1)[:, : self.ranking_length]
        for message, row, order in zip(messages, probs, top, strict=True):
            if not any(t.text.strip() for t in message.tokens):
                # Nothing to classify (empty or only spaces): leave the ranking empty so the
                # fallback answers rather than the model guessing from its bias terms.
                message.intent_ranking = []
                continue
            message.intent_ranking = [(str(self.classes_[i]), float(row[i])) for i in order]


def _scores(model, features: sp.csr_matrix) -> np.ndarray:  # noqa: ANN001
    if isinstance(model, LogisticRegression):
        return model.predict_log_proba(features)
    scores = model.decision_function(features)
    if scores.ndim == 1:  # binary: sklearn returns one column
        scores = np.column_stack([-scores, scores])
    return scores


@register("kefu.fallback.v1")
class FallbackClassifier(Component):
    """Rasa-style fallback: ``nlu_fallback`` when the top intent is weak or ambiguous.

    Predicts the fallback if the top confidence is below ``threshold`` or the top two are
    closer than ``ambiguity_threshold``. Like Rasa, the fallback's confidence is the
    threshold and it is prepended to the ranking.
    """

    def __init__(self, threshold: float = 0.3, ambiguity_threshold: float = 0.1) -> None:
        self.threshold = threshold
        self.ambiguity_threshold = ambiguity_threshold

    def process(self, message: Message) -> None:
        """Replace the top intent with ``nlu_fallback`` when unsure."""
        from bot.nlu.types import FALLBACK_INTENT

        ranking = message.intent_ranking
        if not ranking:
            message.intent_ranking = [(FALLBACK_INTENT, 1.0)]
            return
        top = ranking[0][1]
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        if top < self.threshold or top - second < self.ambiguity_threshold:
            message.intent_ranking = [(FALLBACK_INTENT, self.threshold), *ranking]
