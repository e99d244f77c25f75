"""kefu NLU benchmark: Banking77 (pipelines side by side), Banking77 out-of-scope, kefu data
by cross-validation per language, and sentiment on a small labelled set.

Run: ``.venv/bin/python bench/nlu/run.py [--pipelines tfidf,fast,default]
[--oos-pipeline default] [--cv-pipelines default] [--skip-banking] [--out-of-scope]``
``--out-of-scope`` adds the real-data out-of-scope comparison (bench/nlu/out_of_scope.py):
today's fallback and the learned one side by side on Banking77, its held-out-intent split
and HWU64.
Writes ``bench/nlu/results.json`` and prints a Markdown table. Banking77 is read from
``../shared/datasets/banking77`` (relative to the repository); if it is absent the Banking77
parts are skipped with a message.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.nlu.evaluation import cross_validate, intent_report, to_prediction  # noqa: E402
from bot.nlu.interpreter import KefuInterpreter  # noqa: E402
from bot.nlu.loading import load_data  # noqa: E402
from bot.nlu.pipeline import DEFAULT_DATA, load_config, save_pipeline, train_pipeline  # noqa: E402
from bot.nlu.training_data import TrainingData  # noqa: E402

BANKING = ROOT.parent / "shared" / "datasets" / "banking77"
PIPELINES = {
    "tfidf": ROOT / "config" / "nlu" / "config-tfidf.yml",
    "fast": ROOT / "config" / "nlu" / "config-fast.yml",
    "default": ROOT / "config" / "nlu" / "config.yml",
}
OUT = Path(__file__).resolve().parent / "results.json"


def latency_ms(interpreter: KefuInterpreter, texts: list[str]) -> dict[str, float]:
    """Single-message parse latency (one thread, one message per call), wall and CPU.

    The per-process sentence-embedding cache is cleared first and the 20 warm-up messages
    are not among the timed ones, so every timed parse really runs the encoders.
    """
    from bot.nlu.embeddings import clear_cache

    for text in texts[:20]:
        interpreter.parse(text)  # warm up (model pages, onnxruntime buffers)
    clear_cache()
    times, cpu = [], []
    for text in texts[20:]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        interpreter.parse(text)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return {"p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)),
            "cpu_p50_ms": float(np.percentile(cpu, 50)),
            "cpu_p99_ms": float(np.percentile(cpu, 99)), "latency_n": len(times)}


def load_average() -> list[float]:
    """1/5/15-minute load averages (the machine is shared: context for every timing)."""
    import os

    return [round(x, 2) for x in os.getloadavg()]


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_banking(names: list[str], tmp: Path) -> list[dict]:
    train = load_data([BANKING / "train.csv"])
    test = load_data([BANKING / "test.csv"])
    rows = []
    from bot.nlu.embeddings import clear_cache

    for name in names:
        clear_cache()  # each pipeline encodes the training set itself
        config = load_config(PIPELINES[name])
        load_before = load_average()
        start, start_cpu = time.perf_counter(), time.process_time()
        pipeline, meta = train_pipeline(train, config)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
        out = save_pipeline(pipeline, meta, tmp / name)
        interpreter = KefuInterpreter.load(out)
        results = interpreter.parse_batch([e.text for e in test.examples])
        report = intent_report([to_prediction(e.text, e.intent, r)
                                for e, r in zip(test.examples, results, strict=True)])
        # Top intent ignoring the fallback (what the classifier alone gets right).
        top1 = np.mean([next((i.name for i in r.intent_ranking if i.name != "nlu_fallback"),
                             None) == e.intent for r, e in zip(results, test.examples,
                                                                strict=True)])
        rng = random.Random(0)
        sample = rng.sample([e.text for e in test.examples], 1020)
        row = {"pipeline": name, "config": str(PIPELINES[name].relative_to(ROOT)),
               "accuracy": report["accuracy"], "accuracy_without_fallback": float(top1),
               "macro_f1": report["macro avg"]["f1-score"],
               "fallback_rate": report["out_of_scope_detection"]["in_scope_fallback_rate"],
               "train_seconds": seconds, "train_cpu_seconds": cpu_seconds,
               "load_before_training": load_before, "model_bytes": dir_bytes(out),
               **latency_ms(interpreter, sample), "load_after": load_average()}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def bench_banking_oos(name: str, n_oos: int = 10, seed: int = 0) -> dict:
    """Hold out ``n_oos`` Banking77 intents as out-of-scope; pick the fallback threshold on a
    validation split of train.csv (never on test.csv); report on test.csv."""
    from sklearn.metrics import roc_auc_score

    train = load_data([BANKING / "train.csv"])
    test = load_data([BANKING / "test.csv"])
    rng = random.Random(seed)
    oos = set(rng.sample(train.intents, n_oos))
    in_train = [e for e in train.examples if e.intent not in oos]
    rng.shuffle(in_train)
    cut = int(len(in_train) * 0.9)
    fit = TrainingData(examples=in_train[:cut])
    val = in_train[cut:] + [e for e in train.examples if e.intent in oos]
    config = load_config(PIPELINES[name])
    # Fallback off while collecting scores; the threshold is applied below.
    config["pipeline"] = [s for s in config["pipeline"] if s["name"] != "kefu.fallback.v1"]
    pipeline, meta = train_pipeline(fit, config)
    interpreter = KefuInterpreter(pipeline, meta)

    def scored(examples: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        results = interpreter.parse_batch([e.text for e in examples])
        top = np.array([r.intent.confidence for r in results])
        correct = np.array([r.intent.name == e.intent for r, e in zip(results, examples,
                                                                       strict=True)])
        is_oos = np.array([e.intent in oos for e in examples])
        return top, correct, is_oos

    v_top, v_correct, v_oos = scored(val)
    best = max(np.linspace(0.05, 0.95, 91), key=lambda t: (
        np.mean(v_correct[~v_oos] & (v_top[~v_oos] >= t)) + np.mean(v_top[v_oos] < t)) / 2)
    t_top, t_correct, t_oos = scored(test.examples)
    row = {
        "pipeline": name, "oos_intents": sorted(oos), "threshold": float(best),
        "n_test_in_scope": int((~t_oos).sum()), "n_test_oos": int(t_oos.sum()),
        "in_scope_accuracy": float(np.mean(t_correct[~t_oos] & (t_top[~t_oos] >= best))),
        "in_scope_accuracy_no_fallback": float(np.mean(t_correct[~t_oos])),
        "oos_recall": float(np.mean(t_top[t_oos] < best)),
        "auroc": float(roc_auc_score(t_oos, -t_top)),
    }
    print(json.dumps(row), flush=True)
    return row


def bench_kefu_cv(name: str, folds: int = 5) -> dict:
    data = load_data([DEFAULT_DATA])
    start = time.perf_counter()
    predictions = cross_validate(data, load_config(PIPELINES[name]), folds)
    report = intent_report(predictions)
    row = {"pipeline": name, "folds": folds, "n": len(predictions),
           "accuracy": report["accuracy"], "macro_f1": report["macro avg"]["f1-score"],
           "per_language": report["per_language"],
           "out_of_scope": report["out_of_scope_detection"],
           "seconds": time.perf_counter() - start}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def bench_sentiment() -> dict:
    from bot.nlu.components.sentiment import LexiconSentiment

    path = Path(__file__).resolve().parent / "sentiment_set.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    model = LexiconSentiment()
    out: dict = {"n": len(rows)}
    for lang in ("en", "zh", "all"):
        subset = [r for r in rows if lang == "all" or r["lang"] == lang]
        scored = [model.score(r["text"]) for r in subset]
        out[lang] = {
            "n": len(subset),
            "label_accuracy": float(np.mean([s.label == r["label"] for s, r in
                                             zip(scored, subset, strict=True)])),
            "frustration_accuracy": float(np.mean([s.frustrated == (r["frustrated"] == "1")
                                                   for s, r in zip(scored, subset, strict=True)])),
        }
    print(json.dumps(out), flush=True)
    return out


def bench_out_of_scope() -> dict:
    """Today's fallback vs the learned one (bench/nlu/out_of_scope.py); needs the datasets."""
    from bot.nlu import embeddings

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import out_of_scope

    datasets = BANKING.parent
    if not (datasets / "out_of_scope" / "hwu64.csv").is_file():
        print(f"out-of-scope data not found under {datasets}: skipping")
        return {}
    # Four trainings and 25k sentences: keep every vector of the run in the per-process
    # cache (each sentence is still encoded once, by the first pipeline that meets it).
    embeddings._CACHE_LIMIT = 60_000
    result = out_of_scope.bench(datasets, PIPELINES["default"])
    result["load_average"] = load_average()
    print(out_of_scope.markdown(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pipelines", default="tfidf,fast,default")
    parser.add_argument("--skip-banking", action="store_true")
    parser.add_argument("--oos-pipeline", default="default")
    parser.add_argument("--skip-sentiment", action="store_true")
    parser.add_argument("--cv-pipelines", default="default")
    parser.add_argument("--tmp", default="/tmp/kefu-nlu-bench")
    parser.add_argument("--out-of-scope", action="store_true",
                        help="today's fallback vs kefu.oos_fallback.v1 on real data")
    parser.add_argument("--out", default=str(OUT), help="results JSON file")
    args = parser.parse_args()
    names = [n for n in args.pipelines.split(",") if n]
    results: dict = {"python": sys.version.split()[0]}
    if args.skip_banking:
        print("Banking77 skipped (--skip-banking)")
    elif not (BANKING / "train.csv").is_file():
        print(f"Banking77 not found at {BANKING}: skipping its benchmarks")
    else:
        results["banking77"] = bench_banking(names, Path(args.tmp))
        if args.oos_pipeline:
            results["banking77_oos"] = bench_banking_oos(args.oos_pipeline)
    if args.out_of_scope:
        results["out_of_scope"] = bench_out_of_scope()
    results["kefu_cv"] = [bench_kefu_cv(n) for n in args.cv_pipelines.split(",") if n]
    if not args.skip_sentiment:
        results["sentiment"] = bench_sentiment()
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
