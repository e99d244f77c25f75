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
