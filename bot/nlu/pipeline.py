"""A pipeline of registered components built from a config file, trained, saved and loaded.

Config (YAML)::

    version: 1
    pipeline:
      - name: kefu.script_language.v1
      - name: kefu.tfidf_linear_intent.v1
        C: 0.5

A saved model is a folder with ``model.joblib`` (the fitted pipeline) and ``metadata.json``
(format version, kefu version, config, SHA-256 of the training data, intents, timings).
Only load models you trained: joblib files are pickles.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.nlu import registry
from bot.nlu.components.base import Component, Message
from bot.nlu.errors import ModelNotFound, PipelineConfigError
from bot.nlu.training_data import TrainingData

FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
CONFIG_DIR = Path(__file__).resolve().parents[2] / "config" / "nlu"
DEFAULT_CONFIG = CONFIG_DIR / "config.yml"
DEFAULT_DATA = CONFIG_DIR / "data"

Progress = Callable[[str], None]


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Read and validate a pipeline config (default ``config/nlu/config.yml``)."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PipelineConfigError(f"cannot read config: {exc.strerror}", file=path) from exc
    except yaml.YAMLError as exc:
        raise PipelineConfigError(f"invalid YAML: {exc}", file=path) from exc
    validate_config(config, path)
    return config


def validate_config(config: Any, path: str | Path | None = None) -> None:
    """Raise ``PipelineConfigError`` unless ``config`` has a list of named components."""
    if not isinstance(config, dict) or not isinstance(config.get("pipeline"), list):
        raise PipelineConfigError("config needs a `pipeline:` list", file=path)
    unknown = set(config) - {"version", "pipeline", "description", "language"}
    if unknown:
        raise PipelineConfigError(f"unknown config keys {sorted(unknown)}", file=path)
    for i, step in enumerate(config["pipeline"]):
        if not isinstance(step, dict) or not isinstance(step.get("name"), str):
            raise PipelineConfigError(f"pipeline step {i} needs a `name`", file=path)
        registry.get(step["name"])


def build_component(step: dict[str, Any]) -> Component:
    """Instantiate one step; unknown options are a config error, not a crash."""
    options = {k: v for k, v in step.items() if k != "name"}
    cls = registry.get(step["name"])
    try:
        return cls(**options)
    except TypeError as exc:
        raise PipelineConfigError(f"{step['name']}: {exc}") from exc


class Pipeline:
    """Ordered components; ``fit`` trains them, ``process_batch`` annotates messages."""

    def __init__(self, config: dict[str, Any]) -> None:
        validate_config(config)
        self.config = config
        self.components = [build_component(step) for step in config["pipeline"]]

    def fit(self, data: TrainingData, progress: Progress | None = None) -> Pipeline:
        """Train every component in order on ``data``."""
        messages = [Message(e.text) for e in data.examples]
        for i, component in enumerate(self.components):
            if progress:
                progress(component.registry_name)
            if component.wants_upstream:
                component.fit(data, messages, upstream=self.components[:i])
            else:
                component.fit(data, messages)
            if component.featurizer:
                component.process_batch(messages)
        return self

    def process_batch(self, messages: list[Message]) -> list[Message]:
        """Run every component over the messages."""
        for component in self.components:
            component.process_batch(messages)
        return messages

    def find(self, kind: type) -> list[Component]:
        """Components of a given class (e.g. the lookup extractor for ``set_lookup``)."""
        return [c for c in self.components if isinstance(c, kind)]


def train_pipeline(data: TrainingData, config: dict[str, Any],
                   progress: Progress | None = None) -> tuple[Pipeline, dict[str, Any]]:
    """Fit a pipeline; returns it with its metadata."""
    started = time.perf_counter()
    pipeline = Pipeline(config).fit(data, progress)
    from bot.nlu.types import FALLBACK_INTENT

    metadata = {
        "format_version": FORMAT_VERSION,
        "kefu_version": _kefu_version(),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train_seconds": round(time.perf_counter() - started, 3),
        "data_sha256": data.fingerprint(),
        "n_examples": len(data.examples),
        "intents": data.intents,
        "fallback_intent": FALLBACK_INTENT,
        "entities": data.entity_types,
        "config": config,
    }
    for component in pipeline.components:
        metadata.update(component.training_metadata())
    return pipeline, metadata


def save_pipeline(pipeline: Pipeline, metadata: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``model.joblib`` and ``metadata.json`` into ``out_dir``."""
    import joblib

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, out / MODEL_FILE, compress=3)
    metadata = {**metadata, "model_bytes": (out / MODEL_FILE).stat().st_size}
    (out / METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False, indent=2),
                                     encoding="utf-8")
    return out


def load_pipeline(model_dir: str | Path) -> tuple[Pipeline, dict[str, Any]]:
    """Load a saved pipeline; ``ModelNotFound`` if absent or of another format version."""
    import joblib

    model_dir = Path(model_dir)
    meta_path, model_path = model_dir / METADATA_FILE, model_dir / MODEL_FILE
    if not meta_path.is_file() or not model_path.is_file():
        raise ModelNotFound(model_dir)
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelNotFound(model_dir, f"unreadable {METADATA_FILE} ({exc})") from exc
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelNotFound(model_dir, f"model format {metadata.get('format_version')} "
                                       f"(this kefu reads {FORMAT_VERSION}); retrain")
    try:
        pipeline = joblib.load(model_path)
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file: say so, retrain
        raise ModelNotFound(model_dir, f"unreadable {MODEL_FILE} ({type(exc).__name__})") from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelNotFound(model_dir, f"{MODEL_FILE} does not hold a kefu NLU pipeline")
    return pipeline, metadata


def _kefu_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kefu")
    except PackageNotFoundError:
        return "0+unknown"
