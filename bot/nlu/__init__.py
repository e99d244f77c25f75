"""Natural-language understanding: intent, entities, sentiment and language of one message.

Public API (the dialogue engine codes against these)::

    from bot.nlu import train, load_interpreter
    model_dir = train(out_dir="var/models/nlu")          # kefu's data, default pipeline
    interpreter = load_interpreter(model_dir)
    interpreter.set_lookup("product", ["Kettle Pro", ...])
    result = interpreter.parse("where is my order KF-10234?")   # never raises

Heavy imports happen inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.nlu.interpreter import KefuInterpreter

__all__ = ["train", "load_interpreter"]


def train(data_paths: Iterable[str | Path] | None = None, config_path: str | Path | None = None,
          out_dir: str | Path = "var/models/nlu",
          progress: Callable[[str], None] | None = None) -> Path:
    """Train a pipeline and save it into ``out_dir``; returns ``out_dir``.

    ``data_paths``: Rasa YAML files/folders or ``text,intent`` CSVs (default: kefu's own
    data in ``config/nlu/data``); ``config_path``: pipeline config (default
    ``config/nlu/config.yml``).
    """
    from bot.nlu.loading import load_data
    from bot.nlu.pipeline import DEFAULT_DATA, load_config, save_pipeline, train_pipeline

    data = load_data(list(data_paths) if data_paths else [DEFAULT_DATA])
    config = load_config(config_path)
    pipeline, metadata = train_pipeline(data, config, progress)
    return save_pipeline(pipeline, metadata, out_dir)


def load_interpreter(model_dir: str | Path) -> KefuInterpreter:
    """Load a trained model; raises ``ModelNotFound`` (a ServiceUnavailable) if absent."""
    from bot.nlu.interpreter import KefuInterpreter

    return KefuInterpreter.load(model_dir)
