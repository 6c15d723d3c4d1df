"""Cursor paging that refuses to loop (singer-sdk's paginators do the same): a cursor already
followed would spin forever, or, if the loop merely stopped, miss records (for task keys:
create a duplicate task). A repeat is a `CrmPagingError`, ending the run with exit code 4.
"""

from collections.abc import Callable, Hashable, Iterator
from typing import TypeVar

from connector.adapters.errors import CrmPagingError

P = TypeVar("P")
C = TypeVar("C", bound=Hashable)


class CursorGuard:
    """Remembers every cursor followed by one read; `follow` raises on a repeat."""

    def __init__(self, crm: str, what: str) -> None:
        self.crm = crm
        self.what = what
        self._seen: set[Hashable] = set()

    def follow(self, cursor: Hashable) -> None:
        if cursor in self._seen:
            raise CrmPagingError(
                f"{self.crm} returned the {self.what} cursor {cursor!r} again; the read stopped "
                "instead of reading the same page forever. Run again; if it repeats, report it "
                f"to {self.crm} support with this cursor."
            )
        self._seen.add(cursor)


def paginate(
    fetch: Callable[[C | None], P],
    next_cursor: Callable[[P], C | None],
    *,
    crm: str,
    what: str,
    start: C | None = None,
) -> Iterator[P]:
    """Pages from `fetch(cursor)`, starting at `start`, until `next_cursor(page)` is None.

    A page is yielded only after its next cursor passed the guard, so whoever checkpoints the
    cursor of a page never stores one that would loop."""
    guard = CursorGuard(crm, what)
    cursor = start
    if cursor is not None:
        guard.follow(cursor)
    while True:
        page = fetch(cursor)
        cursor = next_cursor(page)
        if cursor is not None:
            guard.follow(cursor)
        yield page
        if cursor is None:
            return
