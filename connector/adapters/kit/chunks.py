"""Fixed-size batches (`itertools.batched` arrived in Python 3.12; the project supports 3.11)."""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of `size` items, the last one shorter; nothing for no items."""
    if size < 1:
        raise ValueError(f"a chunk holds at least one item, not {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
