"""One bounded, least-recently-used map for every cache an adapter keeps: filled from batch
reads and asked per key (so a map, not `functools.lru_cache`); thread-safe."""

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMap(Generic[K, V]):
    """At most `capacity` entries; putting one more evicts the least recently used (read or
    written). A capacity of 0 or less keeps nothing."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: K, value: V) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value (now the most recently used), or `default` when absent."""
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def split(self, keys: Iterable[K]) -> tuple[dict[K, V], list[K]]:
        """(the cached values by key, the keys not cached): what a batch read must still ask
        for. Each key once, in the order given."""
        found: dict[K, V] = {}
        missing: list[K] = []
        for key in dict.fromkeys(keys):
            value = self.get(key)
            if value is None:
                missing.append(key)
            else:
                found[key] = value
        return found, missing

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items
