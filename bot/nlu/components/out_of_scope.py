"""``kefu.oos_fallback.v1``: reject out-of-scope messages with a threshold chosen on data.

At training time some of the training intents are held out (``held_out_share`` of them, in
``rounds`` seeded draws): a copy of the intent model is trained on the others, and the
held-out intents' examples play the out-of-scope messages it has never seen, next to a
validation share of the kept intents and the shipped generic other-domain text
(``bot/nlu/data/generic_out_of_scope.txt``). On those rows the scorer
(``bot.nlu.oos_scorer``) learns how to combine its features and the threshold is chosen for
the stated trade-off: the most out-of-scope recall while at most ``max_in_scope_fallback``
of the in-scope messages fall back. The curve and the chosen point go into the model's metadata.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from bot.nlu import oos_threshold
from bot.nlu.components.base import Component, Message
from bot.nlu.components.intent import TfidfLinearIntentClassifier
from bot.nlu.errors import PipelineConfigError
from bot.nlu.oos_scorer import FEATURES, OutOfScopeScorer, feature_matrix, similarities, unit_rows
from bot.nlu.registry import register
from bot.nlu.training_data import TrainingData
from bot.nlu.types import FALLBACK_INTENT

GENERIC_TEXT = Path(__file__).resolve().parents[1] / "data" / "generic_out_of_scope.txt"
# Labels that mean "not one of ours" in training data and reports.
OOS_LABELS = frozenset({"out_of_scope", FALLBACK_INTENT})


def load_generic_text(path: Path = GENERIC_TEXT) -> list[str]:
    """The shipped generic other-domain sentences (one a line, ``#`` comments skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@register("kefu.oos_fallback.v1")
class OutOfScopeFallback(Component):
    """``nlu_fallback`` when the learned out-of-scope score reaches the chosen threshold."""

    wants_upstream = True

    def __init__(self, max_in_scope_fallback: float = 0.005, held_out_share: float = 0.25,
                 rounds: int = 2, generic_text: bool = True,
                 generic_max_similarity: float = 0.8, min_intents: int = 4,
                 default_threshold: float = 0.7, random_state: int = 0) -> None:
        if not 0 <= max_in_scope_fallback < 1:
            raise PipelineConfigError("max_in_scope_fallback must be in [0, 1)")
        if not 0 < held_out_share < 1:
            raise PipelineConfigError("held_out_share must be in (0, 1)")
        self.max_in_scope_fallback = max_in_scope_fallback
        self.held_out_share = held_out_share
        self.rounds = rounds
        self.generic_text = generic_text
        self.generic_max_similarity = generic_max_similarity
        self.min_intents = min_intents
        self.default_threshold = default_threshold
        self.random_state = random_state

    # --- training -----------------------------------------------------------------------
    def fit(self, data: TrainingData, messages: list[Message],
            upstream: list[Component] | None = None) -> OutOfScopeFallback:
        """Keep the training vectors, then calibrate on held-out intents."""
        upstream = upstream or []
        classifiers = [c for c in upstream if isinstance(c, TfidfLinearIntentClassifier)]
        if not classifiers:
            raise PipelineConfigError("kefu.oos_fallback.v1 must follow an intent classifier")
        self.classifier_ = classifiers[-1]
        labels = np.array([e.intent for e in data.examples])
        in_scope = ~np.isin(labels, list(OOS_LABELS))
        self.columns_ = None
        self.columns_ = self._columns(messages)
        vectors = self._vectors(messages)
        self.reference_ = _compact(vectors[np.flatnonzero(in_scope)])
        self.reference_labels_ = labels[in_scope]
        generic_messages = (self._generic_messages(upstream, self.reference_)
                            if self.generic_text else [])
        intents = sorted(set(labels[in_scope]))
        self.scorer_: OutOfScopeScorer | None = None
        self.threshold_ = float(self.default_threshold)
        self.report_: dict[str, Any] = {"method": "1 - top confidence (too few intents)",
                                        "threshold": self.threshold_}
        if len(intents) >= self.min_intents:
            self._calibrate(data, messages, labels, vectors, intents, generic_messages)
        return self

    def _calibrate(self, data: TrainingData, messages: list[Message], labels: np.ndarray,
                   vectors: Any, intents: list[str], generic: list[Message]) -> None:
        rng = np.random.default_rng(self.random_state)
        has_text = np.array([any(t.text.strip() for t in m.tokens) for m in messages])
        # In-scope rows: a copy trained on 80 % of the examples of every intent, scored on
        # the rest (what the final model's answers look like). Out-of-scope rows: copies
        # trained without some intents, scored on those intents' examples; with fewer
        # intents to choose from a model is more confident, so these copies do not give
        # the in-scope rows.
        kept = rng.permutation(np.flatnonzero(~np.isin(labels, list(OOS_LABELS)) & has_text))
        cut = round(0.8 * len(kept))
        oos_labelled = np.flatnonzero(np.isin(labels, list(OOS_LABELS)) & has_text)
        rows = [self._rows(data, messages, labels, vectors, np.sort(kept[:cut]),
                           np.sort(kept[cut:]), oos_labelled, generic)]
        held_out = []
        # Rounds hold out different intents while there are some left to hold out.
        order = [str(i) for i in rng.permutation(intents)]
        n_held = max(1, round(self.held_out_share * len(intents)))
        for r in range(self.rounds):
            start = (r * n_held) % len(order)
            held = (order + order)[start:start + n_held]
            held_out.append(sorted(held))
            mask = np.isin(labels, held)
            rows.append(self._rows(data, messages, labels, vectors,
                                   np.flatnonzero(~mask & ~np.isin(labels, list(OOS_LABELS))),
                                   np.zeros(0, int), np.flatnonzero(mask & has_text), []))
        features = np.vstack([r[0] for r in rows])
        is_oos = np.concatenate([r[1] for r in rows])
        correct = np.concatenate([r[2] for r in rows])
        self.scorer_ = OutOfScopeScorer().fit(features, is_oos)
        scores = self.scorer_.score(features)
        chosen = oos_threshold.choose_threshold(scores, is_oos, correct, self.max_in_scope_fallback)
        self.threshold_ = chosen.threshold
        # Kept so a different trade-off can be read off without retraining (a few kB).
        self.calibration_ = {"scores": scores.astype(np.float32), "is_oos": is_oos,
                             "correct": correct}
        self.report_ = {
            "method": "logistic regression on " + ", ".join(FEATURES)
                      + ", calibrated on held-out training intents",
            "trade_off": {"max_in_scope_fallback": self.max_in_scope_fallback},
            "threshold": round(self.threshold_, 6),
            "chosen": chosen.to_dict(),
            "curve": [p.to_dict() for p in oos_threshold.curve(scores, is_oos, correct)],
            "weights": self.scorer_.weights(),
            "calibration": {"rounds": self.rounds, "held_out_share": self.held_out_share,
                            "held_out_intents": held_out,
                            "n_in_scope": int((~is_oos).sum()), "n_out_of_scope": int(is_oos.sum()),
                            "n_generic_text": len(generic)},
        }

    def _rows(self, data: TrainingData, messages: list[Message], labels: np.ndarray,
              vectors: Any, fit_idx: np.ndarray, val_idx: np.ndarray, oos_idx: np.ndarray,
              generic: list[Message]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Train a copy on ``fit_idx``; features of ``val_idx`` (in scope), ``oos_idx`` and
        the generic text (out of scope)."""
        inner = _clone(self.classifier_, calibrate=False)
        inner.fit(data.subset(fit_idx.tolist()), [messages[i] for i in fit_idx])
        inner.temperature_ = self.classifier_.temperature_  # the final model's calibration
        index = np.concatenate([val_idx, oos_idx]).astype(int)
        eval_msgs = [messages[i] for i in index] + generic
        eval_vectors = _stack([_take(vectors, index), self._vectors(generic)])
        msp, predicted, top = _top_in_scope(inner.predict_proba(eval_msgs), inner.classes_)
        features = feature_matrix(msp, predicted, eval_vectors, _take(vectors, fit_idx),
                                  labels[fit_idx])
        truth = np.concatenate([labels[index], np.full(len(generic), "out_of_scope")])
        is_oos = np.concatenate([np.zeros(len(val_idx), bool),
                                 np.ones(len(oos_idx) + len(generic), bool)])
        return features, is_oos, (top == truth) & ~is_oos

    def _generic_messages(self, upstream: list[Component], reference: Any) -> list[Message]:
        """Generic sentences as messages, minus those too close to the training data (a
        shop that sells flights should not learn "book me a flight" as out of scope)."""
        texts = load_generic_text()
        generic = [Message(t) for t in texts]
        for component in upstream:
            if component.featurizer:
                component.process_batch(generic)
        g_vectors = self._vectors(generic)
        reference = _expand(reference)
        closest = similarities(g_vectors, reference).max(axis=1) if reference.shape[0] else 0
        keep = np.asarray(closest < self.generic_max_similarity)
        return [m for m, k in zip(generic, keep, strict=True) if k]

    def _columns(self, messages: list[Message]) -> np.ndarray | None:
        """Embedding columns in use (languages without training data are all zero)."""
        featurizer = self.classifier_.featurizer_
        if not featurizer.embeddings:
            return None
        dense = featurizer.dense(messages)
        return np.flatnonzero(np.abs(dense).sum(axis=0) > 0)

    def _vectors(self, messages: list[Message]) -> Any:
        """Unit-length sentence embeddings (the intent model's), or its TF-IDF rows."""
        featurizer = self.classifier_.featurizer_
        if self.columns_ is None:
            return unit_rows(featurizer.transform(messages))
        if not messages:
            return np.zeros((0, len(self.columns_)), dtype=np.float32)
        return unit_rows(featurizer.dense(messages)[:, self.columns_])

    def training_metadata(self) -> dict[str, Any]:
        """The calibration report for ``metadata.json`` (key ``out_of_scope``)."""
        return {"out_of_scope": self.report_} if hasattr(self, "report_") else {}

    # --- parsing ------------------------------------------------------------------------
    def scores(self, messages: list[Message]) -> np.ndarray:
        """Out-of-scope score of messages already ranked by the intent classifier."""
        if not hasattr(self, "threshold_"):
            raise NotFittedError("kefu.oos_fallback.v1 is not fitted")
        ranked = [m.intent_ranking for m in messages]
        msp = np.array([max((c for n, c in r if n not in OOS_LABELS), default=0.0)
                        for r in ranked])
        if self.scorer_ is None:
            return 1.0 - msp
        predicted = np.array([next((n for n, _ in r if n not in OOS_LABELS), "")
                              for r in ranked])
        features = feature_matrix(msp, predicted, self._vectors(messages), self._reference(),
                                  self.reference_labels_)
        return self.scorer_.score(features)

    def _reference(self) -> Any:
        # float16 on disk, float32 to compute with: expanded once per loaded model.
        if not hasattr(self, "_expanded"):
            self._expanded = _expand(self.reference_)
        return self._expanded

    def process(self, message: Message) -> None:
        """Reject one message when unsure."""
        self.process_batch([message])

    def process_batch(self, messages: list[Message]) -> None:
        """Score the ranked messages; prepend ``nlu_fallback`` (confidence = score) to those
        at or above the threshold. Nothing ranked (empty text) is a fallback of 1.0."""
        ranked = [m for m in messages if m.intent_ranking]
        for message in messages:
            if not message.intent_ranking:
                message.intent_ranking = [(FALLBACK_INTENT, 1.0)]
                message.oos_score = 1.0
        if not ranked:
            return
        for message, score in zip(ranked, self.scores(ranked), strict=True):
            message.oos_score = float(score)
            if score >= self.threshold_ and message.intent_ranking[0][0] not in OOS_LABELS:
                message.intent_ranking = [(FALLBACK_INTENT, float(score)),
                                          *message.intent_ranking]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_expanded", None)
        return state


def _clone(classifier: TfidfLinearIntentClassifier, **changes: Any) -> TfidfLinearIntentClassifier:
    """An unfitted copy with the same hyper-parameters (scikit-learn's ``clone`` contract)."""
    names = [p for p in inspect.signature(type(classifier).__init__).parameters if p != "self"]
    params = {n: getattr(classifier, n) for n in names if hasattr(classifier, n)}
    return type(classifier)(**{**params, **changes})


def _top_in_scope(probs: np.ndarray, classes: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best in-scope confidence and intent per row, and the overall top intent."""
    classes = np.asarray(classes)
    usable = np.where(np.isin(classes, list(OOS_LABELS))[None, :], -1.0, probs)
    best = usable.argmax(axis=1)
    rows = np.arange(len(probs))
    return probs[rows, best], classes[best], classes[probs.argmax(axis=1)]


def _take(vectors: Any, index: np.ndarray) -> Any:
    return vectors[index]


def _stack(blocks: list[Any]) -> Any:
    blocks = [b for b in blocks if b.shape[0]]
    if any(sp.issparse(b) for b in blocks):
        return sp.vstack(blocks, format="csr")
    return np.vstack(blocks)


def _compact(vectors: Any) -> Any:
    """Dense reference vectors are kept as float16 in the model file (half the size)."""
    return vectors if sp.issparse(vectors) else np.asarray(vectors, dtype=np.float16)


def _expand(vectors: Any) -> Any:
    return vectors if sp.issparse(vectors) else np.asarray(vectors, dtype=np.float32)
