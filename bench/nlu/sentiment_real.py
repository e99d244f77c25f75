"""Sentiment on real data: the old lexicon scorer and the learned component side by side.

Run from the repository root: ``python -m bench.nlu.sentiment_real [--split test|val]``.

- TweetEval (English, 3 classes): macro-averaged recall (the official metric) and accuracy;
- ChnSentiCorp (Chinese, 2 classes): accuracy on the whole split and on its rows whose text
  is not in train (the split shares texts with train); a "neutral" answer counts as wrong;
- parse time the component adds per message (p50/p99, one message at a time, the MiniLM
  vector already computed as the intent classifier leaves it in the pipeline).

Reads ``../shared/datasets/sentiment``; skips with a message when it is absent. Writes
``bench/nlu/results-sentiment-<split>.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "datasets" / "sentiment"
EN = ("negative", "neutral", "positive")


def read(path: Path) -> tuple[list[str], list[str]]:
    """Cleaned texts (as the parser sees them) and labels."""
    from bot.nlu.text import clean

    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [clean(r["text"]) for r in rows], [r["label"] for r in rows]


def figures(gold: list[str], pred: list[str], classes: tuple[str, ...]) -> dict:
    """Macro-recall over ``classes`` and accuracy."""
    recall = [sum(g == p == c for g, p in zip(gold, pred, strict=True)) / max(1, gold.count(c))
              for c in classes]
    return {"n": len(gold), "macro_recall": round(100 * sum(recall) / len(recall), 2),
            "accuracy": round(100 * float(np.mean(np.array(gold) == np.array(pred))), 2)}


def messages(texts: list[str]):
    """Pipeline messages with the language the pipeline would detect."""
    from bot.nlu.components.base import Message
    from bot.nlu.text import detect_language

    return [Message(t, language=detect_language(t)) for t in texts]


def learned_labels(component, texts: list[str]) -> list[str]:
    """Labels from the learned component, in batches as ``kefu nlu parse`` runs them."""
    from bot.nlu.embeddings import sentence_embeddings

    out: list[str] = []
    for start in range(0, len(texts), 256):
        batch = messages(texts[start:start + 256])
        en = [m.text for m in batch if m.language != "zh"]
        if en:
            sentence_embeddings("minilm", en)  # as the intent classifier does first
        component.process_batch(batch)
        out.extend(m.sentiment.label for m in batch)
    return out


def latency(component, lexicon, texts: list[str]) -> dict:
    """Per-message time of each scorer, in ms (wall and thread CPU), MiniLM vectors
    computed beforehand."""
    from bot.nlu.embeddings import sentence_embeddings

    sentence_embeddings("minilm", [t for t, m in zip(texts, messages(texts), strict=True)
                                   if m.language != "zh"])
    out = {}
    for name, scorer in (("learned", component), ("lexicon", lexicon)):
        wall, cpu = [], []
        for message in messages(texts):
            start, start_cpu = time.perf_counter(), time.thread_time()
            scorer.process(message)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
        # CPU time of this thread: the 2 cores are shared, wall time shows the others too
        out[name] = {f"{kind}_{q}_ms": round(float(np.percentile(values, int(q[1:]))), 3)
                     for kind, values in (("wall", wall), ("cpu", cpu)) for q in ("p50", "p99")}
    return out


def main() -> None:
    """Run the benchmark and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument("--latency-messages", type=int, default=2000)
    parser.add_argument("--lexicon-weight", type=float, default=None,
                        help="override the component's lexicon_weight (tuning on val)")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent (TweetEval and ChnSentiCorp live in "
              "../shared/datasets/sentiment, see its README)")
        return
    sys.path.insert(0, str(ROOT))
    from bot.nlu.components.sentiment import LexiconSentiment
    from bot.nlu.components.sentiment_learned import LearnedSentiment

    lexicon = LexiconSentiment()
    options = {} if args.lexicon_weight is None else {"lexicon_weight": args.lexicon_weight}
    learned = LearnedSentiment(**options).fit(None, [])
    en_texts, en_gold = read(DATA / f"{args.split}.csv")
    zh_texts, zh_gold = read(DATA / f"zh_{args.split}.csv")
    zh_train = set(read(DATA / "zh_train.csv")[0])
    unseen = [i for i, t in enumerate(zh_texts) if t not in zh_train]
    result: dict = {"split": args.split, "weights_sha256": learned.sha256_,
                    "lexicon_weight": learned.lexicon_weight}
    for name, labels in (("lexicon", lambda ts: [lexicon.score(t).label for t in ts]),
                         ("learned", lambda ts: learned_labels(learned, ts))):
        started = time.perf_counter()
        zh_pred = labels(zh_texts)
        result[name] = {
            "tweeteval": figures(en_gold, labels(en_texts), EN),
            "chnsenticorp": figures(zh_gold, zh_pred, ("negative", "positive")),
            "chnsenticorp_unseen": figures([zh_gold[i] for i in unseen],
                                           [zh_pred[i] for i in unseen],
                                           ("negative", "positive")),
            "seconds": round(time.perf_counter() - started, 1),
        }
    with (Path(__file__).resolve().parent / "sentiment_set.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))  # kefu's own chat messages, en + zh (not independent)
    chat = [r["text"] for r in rows]
    from bot.nlu.text import clean

    for name, scorer in (("lexicon", lexicon), ("learned", learned)):
        found = messages([clean(t) for t in chat])
        scorer.process_batch(found)
        result[name]["kefu_chat_set"] = {
            "n": len(rows),
            "label_accuracy": round(100 * float(np.mean(
                [m.sentiment.label == r["label"] for m, r in zip(found, rows, strict=True)])), 2),
            "frustration_accuracy": round(100 * float(np.mean(
                [m.sentiment.frustrated == (r["frustrated"] == "1")
                 for m, r in zip(found, rows, strict=True)])), 2)}
    n = args.latency_messages // 2
    result["latency_per_message"] = {
        "tweeteval": latency(learned, lexicon, en_texts[:n]),
        "chnsenticorp": latency(learned, lexicon, zh_texts[:n]),
        "chat_messages": latency(learned, lexicon, chat * 10),
    }
    suffix = "" if args.lexicon_weight is None else f"-lex{args.lexicon_weight}"
    out = Path(__file__).resolve().parent / f"results-sentiment-{args.split}{suffix}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
