"""Knowledge-base benchmark on tau2-bench's banking documents (see tau2.py):

* retrieval: success@1, success@5 (a required document among the top k) and MRR of the
  first required document, for BM25 alone, embeddings alone and the hybrid fusion at
  several weights (passages ranked, documents by their best passage);
* deflection: the answer threshold calibrated on half the questions (odd task numbers plus
  airline questions to refuse), reported on the other half (even task numbers plus retail
  questions): answered with a required document / correctly refused / wrongly answered /
  refused although answerable;
* index build time and answer latency (p50/p99, query embedding included) on 1,000 articles.

    flock /work/notes/bench.lock python -m bench.knowledge.run [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace

import numpy as np

from bench.knowledge import tau2
from bot.knowledge.answers import AnswerConfig, confident_hits
from bot.knowledge.index import HybridConfig, KnowledgeIndex
from bot.knowledge.passages import ArticleDoc
from bot.nlu.embeddings import clear_cache

WEIGHTS = (0.1, 0.2, 0.3, 0.5)
MAX_WRONG = 0.05


def ranked_docs(index: KnowledgeIndex, text: str) -> list[tuple[str, float]]:
    """Documents by their best passage's score."""
    best: dict[str, float] = {}
    for hit in index.search(text, None, k=300):
        best.setdefault(hit.passage.slug, hit.score)
    return sorted(best.items(), key=lambda kv: -kv[1])


def retrieval(index: KnowledgeIndex, questions: list[tau2.Question]) -> dict[str, float]:
    """success@1, success@5, MRR."""
    s1 = s5 = rr = 0.0
    for q in questions:
        docs = [d for d, _ in ranked_docs(index, q.text)]
        ranks = [i for i, d in enumerate(docs) if d in q.relevant]
        first = ranks[0] if ranks else None
        s1 += first == 0
        s5 += first is not None and first < 5
        rr += 1 / (first + 1) if first is not None else 0
    n = len(questions)
    return {"success_at_1": s1 / n, "success_at_5": s5 / n, "mrr": rr / n, "n": n}


def outcomes(index: KnowledgeIndex, questions: list[tau2.Question],
             threshold: float) -> dict[str, float]:
    """Shares of right answers, correct refusals, wrong answers, needless refusals."""
    right = refused_ok = wrong = refused_answerable = 0
    for q in questions:
        hits = confident_hits(index, q.text, None, AnswerConfig(threshold=threshold))
        if not hits:
            refused_ok += not q.relevant
            refused_answerable += bool(q.relevant)
        elif hits[0].passage.slug in q.relevant:
            right += 1
        else:
            wrong += 1
    n = len(questions)
    return {"answered_right": right / n, "correctly_refused": refused_ok / n,
            "wrongly_answered": wrong / n, "refused_answerable": refused_answerable / n,
            "n": n}


def calibrate(index: KnowledgeIndex, questions: list[tau2.Question]) -> float:
    """The lowest threshold whose wrong answers stay within MAX_WRONG on these questions."""
    best = 1.0
    for threshold in np.arange(0.95, 0.15, -0.01):
        if outcomes(index, questions, float(threshold))["wrongly_answered"] > MAX_WRONG:
            break
        best = float(threshold)
    return round(best, 2)


def thousand_articles(docs: list[ArticleDoc]) -> list[ArticleDoc]:
    """The 698 documents plus re-ordered copies (paragraphs shuffled) up to 1,000."""
    rng = random.Random(7)
    extra = []
    for i in range(1000 - len(docs)):
        d = docs[i % len(docs)]
        parts = d.body.split("\n\n")
        rng.shuffle(parts)
        extra.append(replace(d, slug=f"{d.slug}-copy{i}", body="\n\n".join(parts)))
    return docs + extra


def speed(docs: list[ArticleDoc], questions: list[str]) -> dict[str, float]:
    """Index build seconds and per-answer latency (ms) on 1,000 articles, cold caches."""
    clear_cache()
    start = time.perf_counter()
    index = KnowledgeIndex().fit(thousand_articles(docs))
    build = time.perf_counter() - start
    latencies = []
    for q in questions:
        clear_cache()  # every question embedded afresh, as a new customer question is
        t = time.perf_counter()
        confident_hits(index, q, "en")
        latencies.append((time.perf_counter() - t) * 1000)
    lat = np.array(latencies)
    return {"articles": 1000, "passages": len(index.passages_), "build_seconds": build,
            "latency_ms_p50": float(np.percentile(lat, 50)),
            "latency_ms_p99": float(np.percentile(lat, 99)), "queries": len(lat)}


def main() -> int:
    """Run everything, print a table, optionally save JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="Write the figures to this file.")
    args = parser.parse_args()
    try:
        repo = tau2.repo_dir()
    except tau2.DataMissing as exc:
        print(f"skipped: {exc}")
        return 0
    docs = tau2.documents(repo)
    bank = tau2.banking_questions(repo)
    odd = [q for q in bank if int(q.id.split("_")[1]) % 2]
    even = [q for q in bank if not int(q.id.split("_")[1]) % 2]
    airline = tau2.other_domain_questions(repo, "airline")
    retail = tau2.other_domain_questions(repo, "retail")
    results: dict[str, object] = {"documents": len(docs), "questions": len(bank),
                                  "refuse_calibration": len(airline), "refuse_heldout": len(retail)}
    # One embedding pass; the modes share the vectors through the sentence cache.
    modes = {"bm25": HybridConfig(mode="bm25"), "embeddings": HybridConfig(mode="embeddings")}
    modes |= {f"hybrid w={w}": HybridConfig(weight_embedding={"en": w}) for w in WEIGHTS}
    table = {}
    for name, config in modes.items():
        index = KnowledgeIndex(config).fit(docs)
        table[name] = retrieval(index, bank)
        print(f"{name:16} s@1 {table[name]['success_at_1']:.3f}  "
              f"s@5 {table[name]['success_at_5']:.3f}  MRR {table[name]['mrr']:.3f}")
    results["retrieval"] = table
    index = KnowledgeIndex().fit(docs)  # the shipped configuration
    threshold = calibrate(index, odd + airline)
    results["calibrated_threshold"] = threshold
    results["deflection_calibration"] = outcomes(index, odd + airline, threshold)
    results["deflection_heldout"] = outcomes(index, even + retail, threshold)
    results["deflection_heldout_at_default"] = outcomes(
        index, even + retail, AnswerConfig().threshold)
    print("threshold", threshold, "held-out", results["deflection_heldout"])
    print("held-out at the shipped default", AnswerConfig().threshold,
          results["deflection_heldout_at_default"])
    short = [q.text for q in retail[:100]] + [q.text.split(". ")[0] for q in bank]
    results["speed"] = speed(docs, short[:200])
    print("speed", results["speed"])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
