"""Versioned registry of pipeline components: config files name them, e.g. ``kefu.language.v1``.

A new behaviour gets a new version (``.v2``) so models trained with the old one still load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.nlu.errors import PipelineConfigError

T = TypeVar("T", bound=type)

_COMPONENTS: dict[str, type] = {}


def register(name: str) -> Callable[[T], T]:
    """Class decorator: make a component available under ``name`` (``kefu.<what>.v<N>``)."""

    def decorator(cls: T) -> T:
        if name in _COMPONENTS and _COMPONENTS[name] is not cls:
            raise ValueError(f"component {name!r} registered twice")
        _COMPONENTS[name] = cls
        cls.registry_name = name  # type: ignore[attr-defined]
        return cls

    return decorator


def get(name: str) -> type:
    """The component class registered as ``name``; a config error names the known ones."""
    _load_builtins()
    try:
        return _COMPONENTS[name]
    except KeyError:
        known = ", ".join(sorted(_COMPONENTS))
        raise PipelineConfigError(f"unknown component {name!r}; known: {known}") from None


def names() -> list[str]:
    """All registered component names."""
    _load_builtins()
    return sorted(_COMPONENTS)


def _load_builtins() -> None:
    # Importing the modules runs their @register decorators.
    from bot.nlu.components import (  # noqa: F401
        entities_learned,
        entities_rules,
        intent,
        language,
        out_of_scope,
        sentiment,
        sentiment_learned,
    )
