"""Evaluation maths: out-of-scope mapping and report extras (MiniLM: test_nlu_embeddings)."""

from __future__ import annotations

import pytest

from bot.nlu.evaluation import Prediction, canonical, intent_report, oos_metrics


def pred(truth: str, predicted: str, oos_score: float) -> Prediction:
    return Prediction("x", canonical(truth), canonical(predicted), 0.9, oos_score)


def test_out_of_scope_labels_count_as_fallback() -> None:
    assert canonical("out_of_scope") == canonical("nlu_fallback") == "nlu_fallback"
    assert canonical("greet") == "greet"


def test_oos_metrics_and_report() -> None:
    predictions = [
        pred("greet", "greet", 0.1), pred("greet", "nlu_fallback", 0.6),
        pred("deny", "deny", 0.2), pred("out_of_scope", "nlu_fallback", 0.9),
        pred("out_of_scope", "greet", 0.3),
    ]
    metrics = oos_metrics(predictions)
    assert metrics["in_scope_accuracy"] == pytest.approx(2 / 3)
    assert metrics["out_of_scope_recall"] == pytest.approx(0.5)
    assert metrics["in_scope_fallback_rate"] == pytest.approx(1 / 3)
    # OOS scores 0.9 and 0.3 against in-scope 0.1, 0.6, 0.2: 5 of 6 pairs ranked right
    assert metrics["auroc"] == pytest.approx(5 / 6)
    report = intent_report(predictions)
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["greet"]["confused_with"] == {"nlu_fallback": 1}
    assert report["nlu_fallback"]["confused_with"] == {"greet": 1}
    assert report["per_language"]["en"]["n"] == 5
