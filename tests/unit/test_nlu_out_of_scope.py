"""Out-of-scope rejection: threshold selection, the scorer, and the component trained tiny,
saved, loaded and predicting the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from bot.nlu import load_interpreter, train
from bot.nlu.components.base import Message
from bot.nlu.components.out_of_scope import OutOfScopeFallback, load_generic_text
from bot.nlu.errors import PipelineConfigError
from bot.nlu.oos_scorer import OutOfScopeScorer, feature_matrix, unit_rows
from bot.nlu.oos_threshold import choose_threshold, curve, operating_point


def test_threshold_respects_the_fallback_budget_and_takes_the_most_recall() -> None:
    rng = np.random.default_rng(0)
    in_scores = rng.uniform(0.0, 0.6, 1000)
    oos_scores = rng.uniform(0.3, 1.0, 500)
    scores = np.concatenate([in_scores, oos_scores])
    is_oos = np.r_[np.zeros(1000, bool), np.ones(500, bool)]
    correct = np.r_[rng.uniform(size=1000) < 0.9, np.zeros(500, bool)]
    previous_recall = -1.0
    for budget in (0.0, 0.01, 0.05, 0.2):
        point = choose_threshold(scores, is_oos, correct, budget)
        assert point.in_scope_fallback_rate <= budget
        assert point.oos_recall >= previous_recall  # a bigger budget never rejects less
        previous_recall = point.oos_recall
        # one step lower (the next distinct score) would break the budget
        lower = np.max(scores[scores < point.threshold])
        assert operating_point(lower, scores, is_oos, correct).in_scope_fallback_rate > budget
    assert choose_threshold(scores, is_oos, correct, 0.0).threshold > in_scores.max()


def test_threshold_zero_budget_and_ties() -> None:
    scores = np.array([0.9, 0.9, 0.2, 0.95, 0.99])
    is_oos = np.array([False, False, False, True, True])
    correct = np.array([True, False, True, False, False])
    point = choose_threshold(scores, is_oos, correct, 0.0)
    assert point.threshold == 0.95 and point.oos_recall == 1.0
    assert point.in_scope_accuracy == point.in_scope_accuracy_no_fallback == pytest.approx(2 / 3)
    # 1/3 of in-scope may fall back, but the two in-scope 0.9s tie: both or neither
    assert choose_threshold(scores, is_oos, correct, 0.34).threshold == 0.95
    assert choose_threshold(scores, is_oos, correct, 0.67).threshold == 0.9
    with pytest.raises(ValueError):
        choose_threshold(scores, is_oos, correct, -0.1)
    with pytest.raises(ValueError):
        choose_threshold(scores[:2], is_oos, correct, 0.1)


def test_curve_runs_from_strict_to_lenient() -> None:
    scores = np.linspace(0, 1, 101)
    is_oos = scores > 0.5
    points = curve(scores, is_oos, ~is_oos, points=11)
    recalls = [p.oos_recall for p in points]
    accuracies = [p.in_scope_accuracy for p in points]
    assert recalls == sorted(recalls) and accuracies == sorted(accuracies, reverse=True)
    assert points[-1].oos_recall == 1.0 and points[-1].in_scope_fallback_rate == 1.0
    assert set(points[0].to_dict()) == {"threshold", "in_scope_accuracy", "oos_recall",
                                        "in_scope_accuracy_no_fallback",
                                        "in_scope_fallback_rate"}


def test_features_are_confidence_and_nearest_neighbours() -> None:
    reference = unit_rows(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    labels = np.array(["a", "b", "b"])
    queries = unit_rows(np.array([[1.0, 0.0], [0.0, 0.0]]))
    features = feature_matrix(np.array([0.9, 0.2]), np.array(["b", "a"]), queries,
                              reference, labels)
    assert features[0, 0] == pytest.approx(0.9)
    assert features[0, 1] == pytest.approx(1.0)  # the "a" example itself
    assert features[0, 2] == pytest.approx(np.sqrt(0.5), abs=1e-6)  # best "b" example
    assert features[1, 1] == 0.0  # an empty vector is like nothing seen


def test_scorer_learns_which_way_is_out_of_scope() -> None:
    rng = np.random.default_rng(1)
    inside = np.column_stack([rng.uniform(0.6, 1, 200), rng.uniform(0.7, 1, 200),
                              rng.uniform(0.7, 1, 200)])
    outside = np.column_stack([rng.uniform(0, 0.7, 200), rng.uniform(0.2, 0.75, 200),
                               rng.uniform(0.2, 0.75, 200)])
    scorer = OutOfScopeScorer()
    with pytest.raises(NotFittedError):
        scorer.score(inside)
    with pytest.raises(ValueError):
        scorer.fit(inside, np.zeros(200, bool))
    scorer.fit(np.vstack([inside, outside]), np.r_[np.zeros(200, bool), np.ones(200, bool)])
    assert scorer.score(outside).mean() > 0.8
    assert scorer.score(inside).mean() < 0.2
    assert all(w < 0 for w in scorer.weights().values())  # more familiar = less OOS


def test_generic_text_ships_in_both_languages() -> None:
    texts = load_generic_text()
    assert len(texts) >= 250 and len(set(texts)) == len(texts)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in texts[-1])


def test_component_options_and_unfitted() -> None:
    with pytest.raises(PipelineConfigError):
        OutOfScopeFallback(max_in_scope_fallback=1.5)
    with pytest.raises(PipelineConfigError):
        OutOfScopeFallback(held_out_share=0)
    with pytest.raises(PipelineConfigError):
        OutOfScopeFallback().fit(None, [], upstream=[])  # type: ignore[arg-type]
    with pytest.raises(NotFittedError):
        OutOfScopeFallback().scores([Message("hi", intent_ranking=[("greet", 0.9)])])


INTENTS = {
    "order_status": ["where is my order", "has my parcel shipped yet", "track my package",
                     "when will my order arrive", "my delivery is late", "order status please",
                     "where is my stuff", "is my order on the way"],
    "refund": ["i want my money back", "refund my purchase", "how do i get a refund",
               "can you refund me", "return this item for a refund", "money back please",
               "refund status", "i was charged twice refund it"],
    "opening_hours": ["when are you open", "opening hours", "what time do you close",
                      "are you open on sunday", "store hours", "when do you open tomorrow",
                      "open late tonight", "holiday opening times"],
    "change_address": ["change my delivery address", "update my address",
                       "ship to a different address", "i moved new address",
                       "wrong address on my order", "edit shipping address",
                       "can i change where it ships", "new postcode for delivery"],
    "cancel_order": ["cancel my order", "i want to cancel", "stop my order",
                     "please cancel the purchase", "cancel order now", "dont send it cancel",
                     "how do i cancel", "cancel before it ships"],
}


@pytest.fixture(scope="module")
def oos_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("oos")
    lines = ["text,intent"] + [f"{t},{i}" for i, ts in INTENTS.items() for t in ts]
    (root / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # TF-IDF only (no sentence embeddings): the scorer's sparse path, fast in tests.
    (root / "config.yml").write_text(
        "version: 1\npipeline:\n  - name: kefu.script_language.v1\n"
        "  - name: kefu.spacy_blank_tokenizer.v1\n  - name: kefu.tfidf_linear_intent.v1\n"
        "  - name: kefu.oos_fallback.v1\n    max_in_scope_fallback: 0.05\n    rounds: 2\n",
        encoding="utf-8")
    return train([root / "data.csv"], root / "config.yml", root / "model")


def test_trained_tiny_saved_loaded_predicts_the_same(oos_model: Path) -> None:
    texts = ["where is my order", "cancel my order please", "play some jazz music loudly",
             "sing me a song about the moon", "", "refund"]
    first = load_interpreter(oos_model).parse_batch(texts)
    again = load_interpreter(oos_model).parse_batch(texts)
    assert [r.to_dict() for r in first] == [r.to_dict() for r in again]
    assert [r.out_of_scope_score for r in first] == [r.out_of_scope_score for r in again]
    assert first[0].intent.name == "order_status"
    assert first[1].intent.name == "cancel_order"
    assert first[2].intent.name == first[3].intent.name == "nlu_fallback"
    assert first[2].intent_ranking[1].name in INTENTS  # the guess stays in the ranking
    assert first[4].intent.name == "nlu_fallback" and first[4].out_of_scope_score == 1.0
    assert first[2].out_of_scope_score > first[0].out_of_scope_score


def test_metadata_holds_the_curve_and_the_chosen_point(oos_model: Path) -> None:
    meta = json.loads((oos_model / "metadata.json").read_text(encoding="utf-8"))
    report = meta["out_of_scope"]
    assert report["trade_off"] == {"max_in_scope_fallback": 0.05}
    assert report["chosen"]["in_scope_fallback_rate"] <= 0.05
    assert report["threshold"] == pytest.approx(report["chosen"]["threshold"], abs=1e-4)
    assert len(report["curve"]) >= 5 and len(report["calibration"]["held_out_intents"]) == 2
    first, second = report["calibration"]["held_out_intents"]
    assert len(first) == len(second) == 1 and first != second


def test_test_command_prints_the_chosen_point(oos_model: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.nlu.cli import nlu

    data = tmp_path / "test.csv"
    data.write_text("text,intent\nwhere is my parcel,order_status\n"
                    "who won the chess match,out_of_scope\n", encoding="utf-8")
    result = CliRunner().invoke(nlu, ["test", "--model", str(oos_model), "--data", str(data),
                                      "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output.strip().splitlines()[-1])
    meta = json.loads((oos_model / "metadata.json").read_text(encoding="utf-8"))
    assert printed["fallback"]["chosen"] == meta["out_of_scope"]["chosen"]
    assert printed["fallback"]["trade_off"] == {"max_in_scope_fallback": 0.05}


def test_train_command_reports_the_curve(oos_model: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.nlu.cli import nlu

    root = oos_model.parent
    result = CliRunner().invoke(nlu, ["train", "--data", str(root / "data.csv"), "--config",
                                      str(root / "config.yml"), "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "threshold  in-scope acc  OOS recall  in-scope fallback" in result.output
    chosen = next(line for line in result.output.splitlines() if line.startswith("chosen: "))
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text(encoding="utf-8"))
    assert json.loads(chosen.removeprefix("chosen: ")) == meta["out_of_scope"]["chosen"]
