"""Versioned model artifacts: one ``.npz`` (arrays + JSON meta) replaced atomically.

Layout under ``<data_dir>/models/recommend/``: ``current.npz`` is what the server loads;
``current.json`` repeats its meta for people and tools. Each training also keeps
``<version>.npz`` so an older model can be put back by copying it over ``current.npz``.
Files are written to a temporary name in the same folder and ``os.replace``d, so a reader
sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from crm_core.errors import InvalidInput
from recommend.models.base import Recommender
from recommend.models.popularity import Popularity
from recommend.models.registry import model_class

FORMAT_VERSION = 1
CURRENT = "current"
KEEP_VERSIONS = 5


@dataclass(frozen=True)
class ArtifactMeta:
    """What a trained artifact holds and where it came from."""

    model: str                       # registry name, e.g. kefu.ease.v1
    params: dict[str, Any]
    version: str                     # <UTC timestamp>-<data hash>, sortable
    data_hash: str
    trained_at: str
    n_customers: int
    n_products: int
    n_lines: int
    half_life_days: float | None
    train_seconds: float
    source: str = "crm"
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Artifact:
    """A fitted main model, the popularity fallback and the product ids they index."""

    meta: ArtifactMeta
    model: Recommender
    popularity: Popularity
    products: np.ndarray            # product ids (strings), column order of the models


def artifact_dir(data_dir: str | Path) -> Path:
    """Where recommender artifacts live for this data dir."""
    return Path(data_dir) / "models" / "recommend"


def _pack(prefix: str, state: dict[str, Any], out: dict[str, np.ndarray]) -> None:
    for key, value in state.items():
        if sp.issparse(value):
            csr = sp.csr_matrix(value)
            out[f"{prefix}{key}__csr_data"] = csr.data
            out[f"{prefix}{key}__csr_indices"] = csr.indices
            out[f"{prefix}{key}__csr_indptr"] = csr.indptr
            out[f"{prefix}{key}__csr_shape"] = np.array(csr.shape)
        else:
            out[f"{prefix}{key}"] = np.asarray(value)


def _unpack(prefix: str, arrays: Any) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for name in arrays.files:
        if not name.startswith(prefix):
            continue
        key = name[len(prefix):]
        if key.endswith("__csr_data"):
            base = key[: -len("__csr_data")]
            state[base] = sp.csr_matrix(
                (arrays[name], arrays[f"{prefix}{base}__csr_indices"],
                 arrays[f"{prefix}{base}__csr_indptr"]),
                shape=tuple(arrays[f"{prefix}{base}__csr_shape"]),
            )
        elif "__csr_" not in key:
            value = arrays[name]
            state[key] = value.item() if value.ndim == 0 else value
    return state


def save(artifact: Artifact, directory: str | Path) -> Path:
    """Write ``<version>.npz`` and atomically make it ``current.npz``; returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {
        "meta_json": np.array(json.dumps(asdict(artifact.meta))),
        "products": np.asarray(artifact.products).astype(str),
    }
    _pack("model.", artifact.model.state(), arrays)
    _pack("popularity.", artifact.popularity.state(), arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    payload = buffer.getvalue()
    versioned = directory / f"{artifact.meta.version}.npz"
    _atomic_write(versioned, payload)
    _atomic_write(directory / f"{CURRENT}.npz", payload)
    _atomic_write(directory / f"{CURRENT}.json",
                  json.dumps(asdict(artifact.meta), indent=2).encode())
    _prune_versions(directory)
    return versioned


def load(path: str | Path) -> Artifact:
    """Read an artifact written by :func:`save` (a file, or a folder's ``current.npz``)."""
    path = Path(path)
    if path.is_dir():
        path = path / f"{CURRENT}.npz"
    if not path.is_file():
        raise InvalidInput(f"no recommender artifact at {path}", details={"path": str(path)})
    with np.load(path, allow_pickle=False) as arrays:
        meta_dict = json.loads(str(arrays["meta_json"]))
        if meta_dict.get("format_version") != FORMAT_VERSION:
            raise InvalidInput("unsupported artifact format",
                               details={"path": str(path),
                                        "format_version": meta_dict.get("format_version")})
        meta = ArtifactMeta(**meta_dict)
        model = model_class(meta.model)(**meta.params).load_state(_unpack("model.", arrays))
        popularity = Popularity().load_state(_unpack("popularity.", arrays))
        products = arrays["products"].astype(object)
    return Artifact(meta=meta, model=model, popularity=popularity, products=products)


def current_version(directory: str | Path) -> str | None:
    """Version of ``current.npz`` per ``current.json`` (cheap; None when absent)."""
    try:
        return json.loads((Path(directory) / f"{CURRENT}.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def _atomic_write(path: Path, payload: bytes) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune_versions(directory: Path) -> None:
    """Keep the newest KEEP_VERSIONS versioned files (names sort by time)."""
    versions = sorted(p for p in directory.glob("*.npz") if p.stem != CURRENT)
    for old in versions[:-KEEP_VERSIONS]:
        old.unlink(missing_ok=True)
