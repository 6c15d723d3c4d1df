"""Per-rule support, conversions and spread over *every* training person, streamed in memory
that does not grow with the people. Blocks are merged with Chan, Golub and LeVeque's pairwise
update (accurate where a naive sum of squares cancels); min and max decide "no spread" exactly,
not by a rounding residue."""

from array import array
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

BLOCK = 4096


class RuleCounts:
    """Streamed per-rule counts over the rows offered (the training part)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.people = 0
        self.converted = 0
        self.support = np.zeros(width, dtype=np.int64)
        self.support_converted = np.zeros(width, dtype=np.int64)
        self._mean = np.zeros(width, dtype=np.float64)
        self._squares = np.zeros(width, dtype=np.float64)
        self._low = np.full(width, np.inf)
        self._high = np.full(width, -np.inf)
        self._block = array("f")
        self._block_outcomes = array("b")

    def add(self, values: Sequence[float], outcome: bool) -> None:
        self._block.extend(values)
        self._block_outcomes.append(outcome)
        if len(self._block_outcomes) >= BLOCK:
            self.finish()

    def finish(self) -> None:
        """Fold the rows gathered into the counts: a full block, or the last partial one."""
        rows = len(self._block_outcomes)
        if not rows:
            return
        x = np.frombuffer(self._block, dtype=np.float32).reshape(rows, self.width)
        y = np.frombuffer(self._block_outcomes, dtype=np.int8).astype(bool)
        fired = x != 0
        self.support += fired.sum(axis=0)
        self.support_converted += fired[y].sum(axis=0)
        self.converted += int(y.sum())
        mean = x.mean(axis=0, dtype=np.float64)
        squares = ((x - mean) ** 2).sum(axis=0, dtype=np.float64)
        total = self.people + rows
        delta = mean - self._mean
        self._squares += squares + delta**2 * self.people * rows / total
        self._mean += delta * rows / total
        self.people = total
        self._low = np.minimum(self._low, x.min(axis=0))
        self._high = np.maximum(self._high, x.max(axis=0))
        self._block = array("f")
        self._block_outcomes = array("b")

    def spread(self) -> NDArray[np.float64]:
        """Population standard deviation per rule (0 exactly where every value was the same)."""
        if not self.people:
            return np.zeros(self.width)
        spread = np.sqrt(np.maximum(self._squares / self.people, 0.0))
        return np.where(self._high > self._low, spread, 0.0)
