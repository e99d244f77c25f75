"""Choosing hyper-parameters on a validation split carved from the training data.

The held-out products of the evaluation split are never looked at: the training part of
that split is split again the same way (each customer's latest new product in it is held
out), and grids are scored there by NDCG@10. First the recency half-life is chosen with
the default hyper-parameters, then the model's own grid with that half-life.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recommend.evaluation import EvalResult, Split, evaluate, leave_last_new_out
from recommend.feedback import DEFAULT_HALF_LIFE_DAYS
from recommend.models.registry import create

HALF_LIVES: tuple[float | None, ...] = (None, 3.0, 7.0, 30.0)
GRIDS: dict[str, list[dict[str, Any]]] = {
    "kefu.ease.v1": [{"l2": v} for v in (25.0, 50.0, 100.0, 200.0, 400.0)],
    "kefu.itemknn.v1": [{"neighbours": v} for v in (10, 20, 50, 100)],
    "kefu.popularity.v1": [{"prior": v} for v in (0.1, 1.0)],
}


@dataclass(frozen=True)
class TuningResult:
    """The chosen settings and every validation score that led there."""

    model: str
    params: dict[str, Any]
    half_life_days: float | None
    trials: list[tuple[dict[str, Any], float | None, EvalResult]]


def validation_split(train_split: Split) -> Split:
    """Leave-last-new-out applied to the training part of an evaluation split."""
    return leave_last_new_out(train_split.train)


def tune(model: str, validation: Split) -> TuningResult:
    """Pick the half-life, then the model's grid, by validation NDCG@10."""
    trials: list[tuple[dict[str, Any], float | None, EvalResult]] = []

    def run(params: dict[str, Any], half_life: float | None) -> float:
        result = evaluate(lambda: create(model, **params), validation,
                          half_life_days=half_life)
        trials.append((params, half_life, result))
        return result.ndcg

    best_half_life = max(HALF_LIVES, key=lambda h: run({}, h))
    best_params = max(GRIDS.get(model, [{}]), key=lambda p: run(p, best_half_life))
    return TuningResult(model=model, params=best_params, half_life_days=best_half_life,
                        trials=trials)


__all__ = ["DEFAULT_HALF_LIFE_DAYS", "GRIDS", "HALF_LIVES", "TuningResult", "tune",
           "validation_split"]
