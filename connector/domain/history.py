"""One contact's engagements as the rules read them: up to `now`, grouped by kind, oldest first.

Scoring and the lifecycle rules both need a contact's engagements filtered to the contact and
to `now`; scoring also needs each kind in time order, and the lifecycle rules the latest
engagement of some kinds. Built once per evaluation and shared, the filtering, grouping and
sorting happen once instead of once per rule.

Two forms, with identical results:
- the *fast* form, when every engagement of the contact has an exact time (see
  `Engagement._time`) and `now` is aware: per kind, the times (integer microseconds, oldest
  first) and quantities of its engagements, gathered with C-level operations (one
  `attrgetter` call per engagement, then sorting and slicing lists of integers);
- the *general* form, for histories with an engagement in a zone with daylight saving time
  (between two datetimes sharing such a zone, Python compares and subtracts by wall clock) or
  a naive `now`: the filtered engagements in input order, read by the rules' original
  datetime code, which has those exact semantics.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from itertools import repeat
from operator import add, attrgetter, itemgetter

from connector.domain.engagement import (
    KIND_SPAN,
    Engagement,
    EngagementKind,
    epoch_microseconds,
    kind_at,
    kind_origin,
)

_ROW = attrgetter("_time", "quantity", "contact_id")
_TIME = itemgetter(0)
_QUANTITY = itemgetter(1)
_CONTACT_ID = itemgetter(2)
_EPOCH_US = attrgetter("_epoch_us")
_EVENT_QUANTITY = attrgetter("quantity")

Row = tuple[int | None, int, str]  # (Engagement._time, quantity, contact_id)


def _epoch_and_source(event: Engagement) -> tuple[int | None, str]:
    return event._epoch_us, event.source_id or ""


class EngagementHistory:
    """A contact's engagements at `now`; build it with `EngagementHistory.of`.

    Fast form, for each kind that occurred: `times[kind]` holds the times of its engagements
    in the order of one sort by (time, kind, source id) restricted to that kind,
    `quantities[kind]` their quantities in the same order and `counts[kind]` their sum.
    The times are on the kind's scale (see `Engagement._time`): epoch microseconds plus
    `origins[kind]`, a whole number of days, which saves undoing it per engagement;
    differences and UTC days are the epoch's. `source` is the contact's engagements in input
    order, `rows` their rows and `last_rows[kind]` the row of each kind's latest engagement,
    for the few questions that need an engagement itself.
    `events` is None. General form: `events` holds the filtered engagements in input order;
    the fast form's fields are None.
    """

    __slots__ = (
        "contact_id",
        "counts",
        "events",
        "last_rows",
        "now",
        "now_us",
        "origins",
        "quantities",
        "rows",
        "source",
        "times",
    )

    def __init__(self, contact_id: str, now: datetime, source: Sequence[Engagement]) -> None:
        self.contact_id = contact_id
        self.now = now
        self.now_us = epoch_microseconds(now)
        self.source = source
        self.times: dict[EngagementKind, list[int]] | None = None
        self.quantities: dict[EngagementKind, list[int]] | None = None
        self.counts: dict[EngagementKind, int] | None = None
        self.origins: dict[EngagementKind, int] | None = None
        self.rows: list[Row] | None = None
        self.last_rows: dict[EngagementKind, Row] | None = None
        self.events: list[Engagement] | None = None

    @classmethod
    def of(
        cls,
        contact_id: str,
        engagements: "Iterable[Engagement] | EngagementHistory",
        now: datetime,
    ) -> "EngagementHistory":
        """The history of `contact_id` at `now`; engagements of other contacts and after `now`
        are left out (a dry run at a past `now` must not see the future). An already built
        history for the same contact and `now` is returned as it is."""
        if isinstance(engagements, EngagementHistory):
            if engagements.contact_id != contact_id or engagements.now != now:
                raise ValueError("this history was built for another contact or `now`")
            return engagements
        source = engagements if isinstance(engagements, list | tuple) else list(engagements)
        rows: list[Row] = list(map(_ROW, source))
        contact_ids = list(map(_CONTACT_ID, rows))
        if contact_ids.count(contact_id) != len(contact_ids):
            source = [e for e in source if e.contact_id == contact_id]
            rows = list(map(_ROW, source))
        history = cls(contact_id, now, source)
        if history.now_us is None or not history._group(rows):
            history.events = [e for e in source if e.occurred_at <= now]
        return history

    @property
    def fast(self) -> bool:
        return self.times is not None

    def _group(self, rows: list[Row]) -> bool:
        """Fill the fast form's fields from the rows of `source`; False when an engagement
        has no time.

        Sorted by time, the rows fall into one contiguous run per kind, cut at `now`.
        Simultaneous engagements of one kind go by source id, which the stable sort by time
        alone does not do: when such a kind's quantities differ (all 1, the engagements are
        indistinguishable here), it is read from its engagements instead.
        """
        try:
            ordered = sorted(rows, key=_TIME)  # TypeError between None and an int
        except TypeError:
            return False
        all_times: list[int] = list(map(_TIME, ordered))
        if len(all_times) == 1 and all_times[0] is None:
            return False
        all_quantities: list[int] = list(map(_QUANTITY, ordered))
        now_us = self.now_us
        assert now_us is not None
        times: dict[EngagementKind, list[int]] = {}
        quantities: dict[EngagementKind, list[int]] = {}
        counts: dict[EngagementKind, int] = {}
        origins: dict[EngagementKind, int] = {}
        last_rows: dict[EngagementKind, Row] = {}
        start, end = 0, len(all_times)
        while start < end:
            kind = kind_at(all_times[start])
            origin = kind_origin(kind)
            stop = bisect_left(all_times, (all_times[start] // KIND_SPAN + 1) * KIND_SPAN, start)
            cut = bisect_right(all_times, origin + now_us, start, stop)
            if cut > start:
                kind_times = all_times[start:cut]
                kind_quantities = all_quantities[start:cut]
                count = sum(kind_quantities)
                if count != len(kind_quantities) and len(set(kind_times)) < len(kind_times):
                    kind_times, kind_quantities = self._read_kind(kind, now_us, origin)
                times[kind] = kind_times
                quantities[kind] = kind_quantities
                counts[kind] = count
                origins[kind] = origin
                last_rows[kind] = ordered[cut - 1]
            start = stop
        self.times, self.quantities, self.counts, self.origins = times, quantities, counts, origins
        self.rows, self.last_rows = rows, last_rows
        return True

    def _read_kind(
        self, kind: EngagementKind, now_us: int, origin: int
    ) -> tuple[list[int], list[int]]:
        """One kind's times (on its scale) and quantities from its engagements: ties by
        source id."""
        events = sorted(
            (e for e in self.source if e.kind == kind and e._epoch_us <= now_us),
            key=_epoch_and_source,
        )
        return list(map(add, map(_EPOCH_US, events), repeat(origin))), list(
            map(_EVENT_QUANTITY, events)
        )

    def latest(self, kinds: Collection[EngagementKind]) -> Engagement | None:
        """Fast form only: the latest engagement of `kinds`, and among simultaneous ones the
        first in input order — what `max(..., key=occurred_at)` over the engagements returns
        (the choice shows: their kinds and local dates may differ)."""
        times, origins, rows, last_rows = self.times, self.origins, self.rows, self.last_rows
        assert times is not None and origins is not None
        assert rows is not None and last_rows is not None
        best_kind: EngagementKind | None = None
        best_us = 0
        tied = False
        for kind in times.keys() & set(kinds):
            kind_times = times[kind]
            last = kind_times[-1] - origins[kind]
            if best_kind is None or last > best_us:
                best_kind, best_us = kind, last
                tied = len(kind_times) > 1 and kind_times[-2] == kind_times[-1]
            elif last == best_us:
                tied = True
        if best_kind is None:
            return None
        if tied:
            wanted = set(kinds)
            return next(e for e in self.source if e.kind in wanted and e._epoch_us == best_us)
        # the one engagement of its kind at that time: its row is the only one equal to this
        return self.source[rows.index(last_rows[best_kind])]

    def last_kind(self, kinds: Collection[EngagementKind]) -> EngagementKind | None:
        """Fast form only: the kind of the last engagement of `kinds` in input order (not in
        time order), or None when none occurred."""
        times = self.times
        assert times is not None
        present = times.keys() & set(kinds)
        if len(present) < 2:  # no candidate, or all of one kind: no need to find which is last
            return next(iter(present), None)
        now_us = self.now_us
        assert now_us is not None
        return next(
            e.kind for e in reversed(self.source) if e.kind in present and e._epoch_us <= now_us
        )
