"""Versioned registry names -> model classes (chosen in config, e.g. ``kefu.ease.v1``).

A new version of a model gets a new name (``kefu.ease.v2``) so that saved artifacts and
configs keep meaning what they meant.
"""

from __future__ import annotations

from typing import Any

from crm_core.errors import InvalidInput

DEFAULT_MODEL = "kefu.ease.v1"


def _classes() -> dict[str, type]:
    # Imported here so that `import recommend` stays light.
    from recommend.models.ease import EASE
    from recommend.models.itemknn import ItemKNN
    from recommend.models.popularity import Popularity

    return {cls.registry_name: cls for cls in (EASE, ItemKNN, Popularity)}


def registered_names() -> list[str]:
    """Every model name the registry knows, default first."""
    names = sorted(_classes())
    names.remove(DEFAULT_MODEL)
    return [DEFAULT_MODEL, *names]


def model_class(name: str) -> type:
    """The class registered as ``name``; unknown names are a clear 400-style error."""
    classes = _classes()
    if name not in classes:
        raise InvalidInput(
            f"unknown recommender {name!r}", details={"known": registered_names()}
        )
    return classes[name]


def create(name: str, **params: Any) -> Any:
    """A new, unfitted model registered as ``name`` with these hyper-parameters."""
    return model_class(name)(**params)
