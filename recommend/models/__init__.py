"""Recommender models behind one interface, found by versioned registry names."""

from recommend.models.base import NotFittedError, Recommender
from recommend.models.registry import DEFAULT_MODEL, create, registered_names

__all__ = ["DEFAULT_MODEL", "NotFittedError", "Recommender", "create", "registered_names"]
