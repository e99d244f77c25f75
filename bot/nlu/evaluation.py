"""``rasa test nlu``-style evaluation: intent report, errors, confusion matrix, CV.

A message predicted out of scope counts as ``nlu_fallback``, and test examples labelled
``out_of_scope`` count as ``nlu_fallback`` too, so the report's ``nlu_fallback`` recall is the
out-of-scope recall. ``out_of_scope_detection`` adds in-scope accuracy and AUROC of the
out-of-scope score (the fallback component's learned score when it has one, else 1 - the
best in-scope confidence).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.nlu.text import detect_language
from bot.nlu.training_data import TrainingData
from bot.nlu.types import FALLBACK_INTENT, ParseResult

OOS_LABELS = {"out_of_scope", FALLBACK_INTENT}
REPORT_FILE = "intent_report.json"
ERRORS_FILE = "intent_errors.json"
CONFUSION_FILE = "intent_confusion_matrix.png"


@dataclass(frozen=True)
class Prediction:
    """One evaluated example."""

    text: str
    truth: str
    predicted: str
    confidence: float
    oos_score: float


def canonical(intent: str) -> str:
    """Out-of-scope labels all count as ``nlu_fallback``."""
    return FALLBACK_INTENT if intent in OOS_LABELS else intent


def to_prediction(text: str, truth: str, result: ParseResult) -> Prediction:
    """Compare one parse with its label."""
    in_scope = [i.confidence for i in result.intent_ranking if i.name not in OOS_LABELS]
    score = result.out_of_scope_score
    if score is None:  # no learned scorer: the Rasa-style score
        score = 1.0 - (max(in_scope) if in_scope else 0.0)
    return Prediction(text, canonical(truth), canonical(result.intent.name),
                      result.intent.confidence, score)


def predict(parse_batch: Callable[[list[str]], list[ParseResult]], data: TrainingData,
            batch_size: int = 256) -> list[Prediction]:
    """Parse every example (in batches) and pair it with its label."""
    out: list[Prediction] = []
    examples = data.examples
    for start in range(0, len(examples), batch_size):
        chunk = examples[start:start + batch_size]
        results = parse_batch([e.text for e in chunk])
        out.extend(to_prediction(e.text, e.intent, r) for e, r in zip(chunk, results, strict=True))
    return out


def intent_report(predictions: list[Prediction]) -> dict[str, Any]:
    """scikit-learn classification report per intent plus ``confused_with`` and extras."""
    from sklearn.metrics import classification_report

    truth = [p.truth for p in predictions]
    predicted = [p.predicted for p in predictions]
    report: dict[str, Any] = classification_report(truth, predicted, output_dict=True,
                                                   zero_division=0)
    confusions: dict[str, Counter[str]] = {}
    for p in predictions:
        if p.truth != p.predicted:
            confusions.setdefault(p.truth, Counter())[p.predicted] += 1
    for label, entry in report.items():
        if isinstance(entry, dict) and label not in ("macro avg", "weighted avg"):
            entry["confused_with"] = dict(confusions.get(label, Counter()).most_common(3))
    report["accuracy"] = float(sum(t == q for t, q in zip(truth, predicted, strict=True))
                               / max(len(truth), 1))
    report["out_of_scope_detection"] = oos_metrics(predictions)
    report["per_language"] = per_language(predictions)
    return report


def oos_metrics(predictions: list[Prediction]) -> dict[str, Any]:
    """In-scope accuracy, out-of-scope recall and AUROC (when both kinds are present)."""
    in_scope = [p for p in predictions if p.truth != FALLBACK_INTENT]
    oos = [p for p in predictions if p.truth == FALLBACK_INTENT]
    result: dict[str, Any] = {
        "n_in_scope": len(in_scope), "n_out_of_scope": len(oos),
        "in_scope_accuracy": _share(in_scope, lambda p: p.predicted == p.truth),
        "out_of_scope_recall": _share(oos, lambda p: p.predicted == FALLBACK_INTENT),
        "in_scope_fallback_rate": _share(in_scope, lambda p: p.predicted == FALLBACK_INTENT),
        "auroc": None,
    }
    if in_scope and oos:
        from sklearn.metrics import roc_auc_score

        labels = [0] * len(in_scope) + [1] * len(oos)
        scores = [p.oos_score for p in in_scope] + [p.oos_score for p in oos]
        result["auroc"] = float(roc_auc_score(labels, scores))
    return result


def per_language(predictions: list[Prediction]) -> dict[str, dict[str, float]]:
    """Accuracy per detected language."""
    groups: dict[str, list[Prediction]] = {}
    for p in predictions:
        groups.setdefault(detect_language(p.text), []).append(p)
    return {lang: {"n": len(ps), "accuracy": _share(ps, lambda p: p.predicted == p.truth)}
            for lang, ps in sorted(groups.items())}


def _share(items: list[Prediction], test: Callable[[Prediction], bool]) -> float | None:
    return sum(map(test, items)) / len(items) if items else None


def errors(predictions: list[Prediction]) -> list[dict[str, Any]]:
    """Rasa's ``intent_errors.json`` rows."""
    return [{"text": p.text, "intent": p.truth,
             "intent_prediction": {"name": p.predicted, "confidence": p.confidence}}
            for p in predictions if p.truth != p.predicted]


def write_reports(predictions: list[Prediction], out_dir: str | Path) -> dict[str, Any]:
    """Write the report, the errors and the confusion-matrix PNG; returns the report."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = intent_report(predictions)
    (out / REPORT_FILE).write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    (out / ERRORS_FILE).write_text(json.dumps(errors(predictions), ensure_ascii=False, indent=2),
                                   "utf-8")
    plot_confusion(predictions, out / CONFUSION_FILE)
    return report


def plot_confusion(predictions: list[Prediction], path: Path) -> None:
    """A confusion-matrix heat map (rows: true intent, columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = sorted({p.truth for p in predictions} | {p.predicted for p in predictions})
    matrix = confusion_matrix([p.truth for p in predictions], [p.predicted for p in predictions],
                              labels=labels)
    size = max(6.0, 0.28 * len(labels) + 3)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ticks = range(len(labels))
    show = len(labels) <= 60  # tick labels for 77 intents would be unreadable
    ax.set_xticks(list(ticks) if show else [])
    ax.set_yticks(list(ticks) if show else [])
    if show:
        ax.set_xticklabels(labels, rotation=90, fontsize=7)
        ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent")
    ax.set_title(f"Intent confusion matrix ({len(predictions)} examples)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def cross_validate(data: TrainingData, config: dict[str, Any], folds: int = 5,
                   seed: int = 0, progress: Callable[[int], None] | None = None
                   ) -> list[Prediction]:
    """Stratified k-fold: train on k-1 folds, predict the held-out one, pool predictions."""
    from sklearn.model_selection import StratifiedKFold

    from bot.nlu.interpreter import KefuInterpreter
    from bot.nlu.pipeline import train_pipeline

    labels = [e.intent for e in data.examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    out: list[Prediction] = []
    for fold, (train_idx, test_idx) in enumerate(splitter.split(labels, labels)):
        pipeline, metadata = train_pipeline(data.subset(list(train_idx)), config)
        interpreter = KefuInterpreter(pipeline, metadata)
        out.extend(predict(interpreter.parse_batch, data.subset(list(test_idx))))
        if progress:
            progress(fold)
    return out
