"""A least-recently-used cache bounded by entries and by a total weight (e.g. events), so
the dialogue state kept between turns cannot grow without limit however many or however
long the conversations are."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedLru(Generic[K, V]):
    """At most ``max_items`` entries whose ``weight`` adds up to at most ``max_weight``
    (an entry heavier than that on its own is not kept); the least recently used go first.
    Weights are taken when an entry is put."""

    def __init__(self, max_items: int, max_weight: int, weight: Callable[[V], int]) -> None:
        self.max_items, self.max_weight, self._weight = max_items, max_weight, weight
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.total_weight = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __getitem__(self, key: K) -> V:
        return self._items[key][0]

    def get(self, key: K) -> V | None:
        """The entry (now the most recently used), or None."""
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[0]

    def pop(self, key: K, default: V | None = None) -> V | None:
        """Remove and return the entry (``default`` when absent)."""
        item = self._items.pop(key, None)
        if item is None:
            return default
        self.total_weight -= item[1]
        return item[0]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` as the most recently used entry, evicting the least recent."""
        self.pop(key)
        weight = self._weight(value)
        if self.max_items <= 0 or weight > self.max_weight:
            return
        self._items[key] = (value, weight)
        self.total_weight += weight
        while len(self._items) > self.max_items or self.total_weight > self.max_weight:
            _, (_, dropped) = self._items.popitem(last=False)
            self.total_weight -= dropped
