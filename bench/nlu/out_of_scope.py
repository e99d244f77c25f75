"""Out-of-scope benchmark on real data: today's fallback and the learned one side by side.

For each pipeline (the default config with ``kefu.fallback.v1`` 0.3 / 0.05 as shipped before
issue #16, and the default config as shipped now with ``kefu.oos_fallback.v1``):

- Banking77: train on train.csv, top-intent accuracy on test.csv with the fallback on
  (a fallback counts as wrong) and off;
- held-out protocol (``out_of_scope/banking77_heldout_split.json``): train on the 58 known
  intents' train.csv rows; on test.csv the 19 held-out intents are out of scope: in-scope
  accuracy (fallback on / off), OOS recall, AUROC of the out-of-scope score;
- HWU64 without ``scenario == general`` (other-domain requests): share rejected by the
  held-out-protocol model and by the full Banking77 model.

Only the steps that decide the intent run (language, tokens, intent, fallback): the entity
extractors and sentiment do not change it and would only add training time. Thresholds
are never chosen here: the new fallback chose its own at training time.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np

from bot.nlu.components.base import Message
from bot.nlu.pipeline import load_config, train_pipeline
from bot.nlu.training_data import Example, TrainingData

FALLBACK = "nlu_fallback"
TODAY_STEP = {"name": "kefu.fallback.v1", "threshold": 0.3, "ambiguity_threshold": 0.05}


def configs(default_config: Path) -> dict[str, dict]:
    """``today`` (the old fallback) and ``new`` (the shipped config), intent steps only."""
    shipped = load_config(default_config)
    steps = [s for s in shipped["pipeline"] if s["name"] in (
        "kefu.script_language.v1", "kefu.spacy_blank_tokenizer.v1",
        "kefu.tfidf_linear_intent.v1", "kefu.oos_fallback.v1")]
    today = [TODAY_STEP if s["name"] == "kefu.oos_fallback.v1" else s for s in steps]
    return {"today": {**shipped, "pipeline": today}, "new": {**shipped, "pipeline": steps}}


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _parse(pipeline, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: ANN001
    """Top intent (fallback on), top intent ignoring the fallback, out-of-scope score."""
    messages = [Message(t) for t in texts]
    pipeline.process_batch(messages)
    top = np.array([m.intent_ranking[0][0] for m in messages])
    raw = np.array([next((n for n, _ in m.intent_ranking if n != FALLBACK), "")
                    for m in messages])
    score = np.array([m.oos_score if m.oos_score is not None else
                      1.0 - max((c for n, c in m.intent_ranking if n != FALLBACK), default=0.0)
                      for m in messages])
    return top, raw, score


def _train(config: dict, rows: list[dict]) -> tuple[object, dict, float]:
    data = TrainingData([Example(r["text"], r["category"]) for r in rows])
    start = time.perf_counter()
    pipeline, meta = train_pipeline(data, config)
    return pipeline, meta, time.perf_counter() - start


def bench(datasets: Path, default_config: Path) -> dict:
    """Run both pipelines on the three protocols; one dict per pipeline."""
    from sklearn.metrics import roc_auc_score

    train = _rows(datasets / "banking77" / "train.csv")
    test = _rows(datasets / "banking77" / "test.csv")
    split = json.loads((datasets / "out_of_scope" / "banking77_heldout_split.json")
                       .read_text(encoding="utf-8"))
    known = set(split["known_intents"])
    hwu = [r["text"] for r in _rows(datasets / "out_of_scope" / "hwu64.csv")
           if r["scenario"] != "general"]
    truth = np.array([r["category"] for r in test])
    is_known = np.isin(truth, list(known))
    out = {}
    for name, config in configs(default_config).items():
        row: dict = {"pipeline": name,
                     "fallback_step": next(s for s in config["pipeline"]
                                           if "fallback" in s["name"])}
        pipeline, meta, seconds = _train(config, [r for r in train if r["category"] in known])
        top, raw, score = _parse(pipeline, [r["text"] for r in test])
        hwu_top, _, _ = _parse(pipeline, hwu)
        row["heldout"] = {
            "train_seconds": round(seconds, 1),
            "in_scope_accuracy": float(np.mean(top[is_known] == truth[is_known])),
            "in_scope_accuracy_no_fallback": float(np.mean(raw[is_known] == truth[is_known])),
            "oos_recall": float(np.mean(top[~is_known] == FALLBACK)),
            "auroc": float(roc_auc_score(~is_known, score)),
            "hwu64_rejected": float(np.mean(hwu_top == FALLBACK)),
            "chosen": meta.get("out_of_scope", {}).get("chosen"),
        }
        print(json.dumps({name: row["heldout"]}), flush=True)
        pipeline, meta, seconds = _train(config, train)
        top, raw, _ = _parse(pipeline, [r["text"] for r in test])
        hwu_top, _, _ = _parse(pipeline, hwu)
        row["banking77"] = {
            "train_seconds": round(seconds, 1),
            "accuracy": float(np.mean(top == truth)),
            "accuracy_no_fallback": float(np.mean(raw == truth)),
            "fallback_rate": float(np.mean(top == FALLBACK)),
            "hwu64_rejected": float(np.mean(hwu_top == FALLBACK)),
            "chosen": meta.get("out_of_scope", {}).get("chosen"),
        }
        print(json.dumps({name: row["banking77"]}), flush=True)
        out[name] = row
    out["n"] = {"test": len(test), "test_in_scope": int(is_known.sum()),
                "test_oos": int((~is_known).sum()), "hwu64": len(hwu)}
    return out


def markdown(result: dict) -> str:
    """The side-by-side table for BENCHMARKS.md."""
    lines = [("| pipeline | Banking77 acc. (fallback on / off) | held-out: in-scope acc. "
              "(on / off) | OOS recall | AUROC | HWU64 rejected (held-out model / full) |"),
             "|---|---|---|---|---|---|"]
    for name in ("today", "new"):
        b, h = result[name]["banking77"], result[name]["heldout"]
        lines.append(f"| {name} | {b['accuracy']:.2%} / {b['accuracy_no_fallback']:.2%} | "
                     f"{h['in_scope_accuracy']:.2%} / {h['in_scope_accuracy_no_fallback']:.2%} | "
                     f"{h['oos_recall']:.2%} | {h['auroc']:.3f} | "
                     f"{h['hwu64_rejected']:.2%} / {b['hwu64_rejected']:.2%} |")
    return "\n".join(lines)
