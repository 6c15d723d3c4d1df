"""A bounded, uniform, reproducible sample of feature rows: calibrate's memory stays flat in the
people. Vitter's Algorithm R (the k-th row replaces a random kept one with probability
capacity / k), seeded; rows keep their stream order, so while nothing was dropped they come
back exactly as offered."""

import random
from array import array
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


class Reservoir:
    """At most `capacity` rows of `width` float32 values, each with a small tag (outcome bits)."""

    def __init__(self, width: int, capacity: int, seed: int) -> None:
        if capacity < 1:
            raise ValueError("a reservoir keeps at least one row")
        self.width = width
        self.capacity = capacity
        self.offered = 0
        self._random = random.Random(seed)
        self._values = array("f")
        self._tags = array("b")
        self._order = array("q")

    def offer(self, values: Sequence[float], tag: int, order: int) -> None:
        self.offered += 1
        if len(self._tags) < self.capacity:
            self._values.extend(values)
            self._tags.append(tag)
            self._order.append(order)
            return
        slot = self._random.randrange(self.offered)
        if slot < self.capacity:
            start = slot * self.width
            self._values[start : start + self.width] = array("f", values)
            self._tags[slot] = tag
            self._order[slot] = order

    def __len__(self) -> int:
        return len(self._tags)

    @property
    def sampled(self) -> bool:
        """True once a row was dropped."""
        return self.offered > len(self._tags)

    def rows(self) -> tuple[NDArray[np.float32], NDArray[np.int8], NDArray[np.int64]]:
        """The kept rows (a view), their tags and their stream order."""
        matrix = np.frombuffer(self._values, dtype=np.float32).reshape(-1, self.width)
        tags = np.frombuffer(self._tags, dtype=np.int8)
        return matrix, tags, np.frombuffer(self._order, dtype=np.int64)
