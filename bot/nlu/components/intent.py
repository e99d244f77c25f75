"""Intent classification: sparse TF-IDF (+ optional sentence embeddings) and a linear model.

Confidences are calibrated by temperature scaling: the model is first fitted on a stratified
85 % split, a single temperature is chosen to minimise the log-loss of softmax(scores / T)
on the other 15 %, and the model is then refitted on everything.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

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
# Sentence embeddings that can be appended to the TF-IDF features (widths in
# bot.nlu.embeddings.EMBEDDING_DIMS): wordllama (static, numpy, bundled in the `wordllama`
# wheel) and minilm (all-MiniLM-L6-v2 int8 ONNX); see bot/nlu/embeddings.py for provenance.
EMBEDDING_DIMS = {"wordllama": 256, "minilm": 384}


def embedding_spec(embeddings: str | list[str] | None, weight: float | dict[str, float],
                   languages: dict[str, list[str]] | None) -> list[tuple[str, float, tuple]]:
    """Normalise the config's embedding options to ``[(name, weight, languages)]``.

    ``languages`` limits a model to messages of those languages (zeros elsewhere): MiniLM is
    English-only, so its vectors of Chinese messages would only add noise.
    """
    names = [embeddings] if isinstance(embeddings, str) else list(embeddings or [])
    spec = []
    for name in names:
        if name not in EMBEDDING_DIMS:
            raise PipelineConfigError(
                f"embeddings must be null or among {sorted(EMBEDDING_DIMS)}, not {name!r}")
        w = weight.get(name, 1.0) if isinstance(weight, dict) else weight
        spec.append((name, float(w), tuple((languages or {}).get(name, ()))))
    return spec


def word_ngrams(tokens: list[str]) -> list[str]:
    """Unigrams and bigrams of already-lower-cased tokens (module level so it pickles)."""
    grams = list(tokens)
    grams.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    return grams


class TextFeaturizer:
    """word n-grams + char n-grams TF-IDF, optionally with scaled sentence embeddings."""

    def __init__(self, char_ngrams: tuple[int, int] = (1, 5),
                 embeddings: list[tuple[str, float, tuple]] | str | None = None,
                 embedding_weight: float = 1.0) -> None:
        self.char_ngrams = tuple(char_ngrams)
        # [(model name, weight, languages or () for all)]; a bare name is the old form
        self.embeddings = (embedding_spec(embeddings, embedding_weight, None)
                           if isinstance(embeddings, str) else list(embeddings or []))

    def fit_transform(self, messages: list[Message]) -> sp.csr_matrix:
        """Fit the vocabularies and return the features."""
        self.word_ = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True)
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                     sublinear_tf=True, min_df=2, lowercase=True)
        words = self.word_.fit_transform(_token_lists(messages))
        chars = self.char_.fit_transform([_char_text(m) for m in messages])
        return self._stack(words, chars, messages)

    def transform(self, messages: list[Message]) -> sp.csr_matrix:
        """Features for new messages (same values as the sklearn vectorisers, built directly).

        ``TfidfVectorizer.transform`` costs milliseconds per call in input validation; at
        parse time we look the n-grams up in the fitted vocabularies ourselves.
        """
        if not hasattr(self, "word_"):
            raise NotFittedError("TextFeaturizer is not fitted")
        rows = self.rows(messages)
        width = self.n_features_
        indptr = np.cumsum([0] + [len(cols) for cols, _ in rows])
        # liblinear only accepts 32-bit indices
        indices = (np.concatenate([cols for cols, _ in rows]).astype(np.int32) if rows
                   else np.zeros(0, np.int32))
        values = np.concatenate([vals for _, vals in rows]) if rows else np.zeros(0)
        return sp.csr_matrix((values, indices, indptr), shape=(len(messages), width))

    @property
    def n_features_(self) -> int:
        """Width of the feature vectors."""
        dim = sum(EMBEDDING_DIMS[name] for name, _, _ in self.embeddings)
        return len(self.word_.vocabulary_) + len(self.char_.vocabulary_) + dim

    def rows(self, messages: list[Message]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per message, the non-zero ``(columns, values)`` of its feature vector."""
        if not hasattr(self, "_char_analyzer"):
            self._char_analyzer = self.char_.build_analyzer()
        n_word = len(self.word_.vocabulary_)
        n_char = len(self.char_.vocabulary_)
        dense = self._dense(messages)
        out = []
        for row, message in enumerate(messages):
            w_cols, w_vals = _tfidf_row(self.word_, word_ngrams(_token_lists([message])[0]))
            c_cols, c_vals = _tfidf_row(self.char_, self._char_analyzer(_char_text(message)))
            cols = w_cols + [c + n_word for c in c_cols]
            vals = w_vals + c_vals
            if dense is not None:
                cols.extend(range(n_word + n_char, n_word + n_char + dense.shape[1]))
                vals.extend(dense[row].tolist())
            out.append((np.asarray(cols, dtype=np.int64), np.asarray(vals, dtype=np.float64)))
        return out

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_char_analyzer", None)  # a closure; rebuilt after loading
        return state

    def _stack(self, words: sp.spmatrix, chars: sp.spmatrix,
               messages: list[Message]) -> sp.csr_matrix:
        blocks = [words, chars]
        dense = self._dense(messages)
        if dense is not None:
            blocks.append(sp.csr_matrix(dense))
        return sp.hstack(blocks, format="csr")

    def dense(self, messages: list[Message]) -> np.ndarray | None:
        """Weighted sentence embeddings side by side, or None without embeddings."""
        return self._dense(messages)

    def _dense(self, messages: list[Message]) -> np.ndarray | None:
        if not self.embeddings:
            return None
        from bot.nlu.embeddings import sentence_embeddings

        blocks = []
        for name, weight, languages in self.embeddings:
            block = np.zeros((len(messages), EMBEDDING_DIMS[name]), dtype=np.float32)
            rows = [i for i, m in enumerate(messages) if not languages or m.language in languages]
            if rows:
                block[rows] = sentence_embeddings(name, [messages[i].text for i in rows]) * weight
            blocks.append(block)
        return np.hstack(blocks)

    def __setstate__(self, state: dict) -> None:
        # Models saved before several embeddings were allowed stored one name and a weight.
        if isinstance(state.get("embeddings"), str) or "embedding_weight" in state:
            name, weight = state.pop("embeddings"), state.pop("embedding_weight", 1.0)
            state["embeddings"] = [(name, float(weight), ())] if name else []
        self.__dict__.update(state)


def _tfidf_row(vectorizer: TfidfVectorizer, grams: list[str]) -> tuple[list[int], list[float]]:
    """One row of a fitted sublinear-tf, l2-normalised TfidfVectorizer."""
    vocab = vectorizer.vocabulary_
    idf = vectorizer.idf_
    counts: dict[int, int] = {}
    for gram in grams:
        col = vocab.get(gram)
        if col is not None:
            counts[col] = counts.get(col, 0) + 1
    if not counts:
        return [], []
    cols = sorted(counts)
    vals = [(1.0 + math.log(counts[c])) * idf[c] for c in cols]
    norm = math.sqrt(sum(v * v for v in vals)) or 1.0
    return cols, [v / norm for v in vals]


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
                 embeddings: str | list[str] | None = None,
                 embedding_weight: float | dict[str, float] = 1.0,
                 embedding_languages: dict[str, list[str]] | None = None,
                 calibrate: bool = True, ranking_length: int = 10,
                 random_state: int = 0) -> None:
        if classifier not in CLASSIFIERS:
            raise PipelineConfigError(
                f"classifier must be one of {CLASSIFIERS}, not {classifier!r}")
        embedding_spec(embeddings, embedding_weight, embedding_languages)  # validate early
        self.classifier = classifier
        self.C = C
        self.char_ngrams = tuple(char_ngrams)
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight
        self.embedding_languages = embedding_languages
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
        spec = embedding_spec(self.embeddings, self.embedding_weight,
                              getattr(self, "embedding_languages", None))
        self.featurizer_ = TextFeaturizer(self.char_ngrams, spec)
        features = self.featurizer_.fit_transform(messages)
        self.temperature_ = 1.0
        if not self.calibrate:
            self.model_ = self._model().fit(features, labels)
        else:
            # The held-out calibration fit and the final fit are independent and liblinear
            # releases the GIL while it trains: on two cores they run side by side.
            with ThreadPoolExecutor(2) as pool:
                temperature = pool.submit(self._fit_temperature, features, labels)
                self.model_ = self._model().fit(features, labels)
                self.temperature_ = temperature.result()
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
        if not hasattr(self, "_coef_t"):
            self._coef_t = np.ascontiguousarray(self.model_.coef_.T)
        # Linear scores summed over each message's non-zero features: no sparse matrix and
        # no sklearn validation on the hot path (both cost more than the arithmetic).
        scores = np.vstack([vals @ self._coef_t[cols] for cols, vals in
                            self.featurizer_.rows(messages)]) + self.model_.intercept_
        if scores.shape[1] == 1:  # binary problems have one column of scores
            scores = np.column_stack([-scores[:, 0], scores[:, 0]])
        return softmax(scores / self.temperature_, axis=1)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_coef_t", None)
        return state

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
    # Linear scores (for multinomial logistic regression softmax(scores) is its predict_proba).
    # Same as decision_function, without its per-call validation overhead.
    scores = np.asarray(features @ model.coef_.T) + model.intercept_
    if scores.shape[1] == 1:  # binary: one column of scores for the second class
        scores = np.column_stack([-scores[:, 0], scores[:, 0]])
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
