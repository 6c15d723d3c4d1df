"""A bounded, uniform, reproducible sample of feature rows: what keeps calibrate's memory flat in
the number of people.

Reservoir sampling (Vitter's Algorithm R): the k-th row offered after the reservoir is full
replaces a random kept row with probability capacity / k, so at any moment the kept rows are a
uniform sample of every row offered so far, in one pass and without knowing the total. The
random source is seeded, so the same CRM read in the same order keeps the same rows.

Rows are kept compact (float32, as `History` always kept them) with the order in which they
were offered, so that while nothing was dropped the rows come back exactly as offered — the
fit then sees the very matrix it saw before sampling existed.
"""

import random
from array import array
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


class Reservoir:
    """At most `capacity` rows of `width` values (plus a small integer tag per row: outcome and
    disqualification bits), a uniform sample of the rows offered."""

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
        """Keep this row if the sample draws it; `order` is its position in the whole stream."""
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
        """True once a row was dropped: the kept rows are then a sample, not all of them."""
        return self.offered > len(self._tags)

    def rows(self) -> tuple[NDArray[np.float32], NDArray[np.int8], NDArray[np.int64]]:
        """The kept rows (a float32 view, not a copy), their tags and their stream order."""
        matrix = np.frombuffer(self._values, dtype=np.float32).reshape(-1, self.width)
        tags = np.frombuffer(self._tags, dtype=np.int8)
        return matrix, tags, np.frombuffer(self._order, dtype=np.int64)
