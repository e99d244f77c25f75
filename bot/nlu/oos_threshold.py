"""Choosing the out-of-scope threshold from calibration data, and the curve behind the choice.

Calibration rows are messages the model did not train on: in-scope ones (with whether the
model's top intent was right) and out-of-scope ones (intents held out of training). For a
threshold ``t`` a message is rejected (answered ``nlu_fallback``) when its score is ``>= t``.

The trade-off is stated as a budget: reject as many out-of-scope messages as possible while
sending at most ``max_in_scope_fallback`` of the in-scope messages to the fallback. The
budget counts every in-scope message rejected, right or wrong, rather than only the right
answers lost: the far tail where the threshold sits holds a handful of calibration rows,
and which of them happen to be right answers was too noisy to budget on (on a Banking77
train.csv split, a 0.5 % loss budget lost 0.9 % on held-out data; a fallback budget holds
its rate, and the accuracy lost is a part of it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class OperatingPoint:
    """What a threshold does on the calibration rows."""

    threshold: float
    in_scope_accuracy: float
    in_scope_accuracy_no_fallback: float
    oos_recall: float
    in_scope_fallback_rate: float

    def to_dict(self) -> dict[str, float]:
        """Rounded for metadata and printing."""
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def operating_point(threshold: float, scores: np.ndarray, is_oos: np.ndarray,
                    correct: np.ndarray) -> OperatingPoint:
    """In-scope accuracy, OOS recall and in-scope fallback rate at one threshold."""
    scores, is_oos, correct = _arrays(scores, is_oos, correct)
    rejected = scores >= threshold
    ins = ~is_oos
    return OperatingPoint(
        threshold=float(threshold),
        in_scope_accuracy=_mean(correct[ins] & ~rejected[ins]),
        in_scope_accuracy_no_fallback=_mean(correct[ins]),
        oos_recall=_mean(rejected[is_oos]),
        in_scope_fallback_rate=_mean(rejected[ins]),
    )


def curve(scores: np.ndarray, is_oos: np.ndarray, correct: np.ndarray,
          points: int = 21) -> list[OperatingPoint]:
    """Operating points at evenly spaced quantiles of the scores (high to low threshold)."""
    scores, is_oos, correct = _arrays(scores, is_oos, correct)
    thresholds = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, points)))[::-1]
    return [operating_point(t, scores, is_oos, correct) for t in thresholds]


def choose_threshold(scores: np.ndarray, is_oos: np.ndarray, correct: np.ndarray,
                     max_in_scope_fallback: float) -> OperatingPoint:
    """The lowest threshold (most OOS rejected) whose in-scope fallback rate fits the budget.

    Thresholds are taken at the distinct scores; if even the highest score would reject
    too many in-scope rows, the threshold sits just above it (nothing is rejected).
    """
    if not 0 <= max_in_scope_fallback <= 1:
        raise ValueError(f"max_in_scope_fallback must be in [0, 1], not {max_in_scope_fallback}")
    scores, is_oos, correct = _arrays(scores, is_oos, correct)
    ins = ~is_oos
    n_in = max(int(ins.sum()), 1)
    # Rejected in-scope rows at threshold t = those with score >= t: stop before one more.
    candidates = np.unique(scores)[::-1]
    in_scores = np.sort(scores[ins])[::-1]
    allowed = int(np.floor(max_in_scope_fallback * n_in + 1e-9))
    if allowed >= len(in_scores):
        floor = -np.inf
    else:
        floor = in_scores[allowed]  # rejecting this score would reject one row too many
    ok = candidates[candidates > floor]
    best = float(ok[-1]) if len(ok) else float(np.nextafter(candidates[0], np.inf))
    return operating_point(best, scores, is_oos, correct)


def _arrays(scores: np.ndarray, is_oos: np.ndarray,
            correct: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    is_oos = np.asarray(is_oos, dtype=bool)
    correct = np.asarray(correct, dtype=bool) & ~is_oos
    if not (scores.shape == is_oos.shape == correct.shape) or scores.ndim != 1:
        raise ValueError("scores, is_oos and correct must be 1-d arrays of one length")
    if len(scores) == 0:
        raise ValueError("no calibration rows")
    return scores, is_oos, correct


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else 0.0
