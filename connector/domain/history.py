"""One contact's engagements as the rules read them: up to `now`, grouped by kind, oldest first.

Scoring and the lifecycle rules both need a contact's engagements filtered to the contact and
to `now`; scoring also needs each kind in time order, and the lifecycle rules the latest
engagement of some kinds. Built once per evaluation and shared, the filtering, grouping and
sorting happen once instead of once per rule.

Two forms, with identical results:
- the *fast* form, when every engagement of the contact has a record (an exact epoch, see
  `Engagement._row`) and `now` is aware: per kind, the times (integer microseconds, oldest
  first) and quantities of its engagements, taken from the records with C-level operations
  (one attribute read per engagement; sorting and splitting integers);
- the *general* form, for histories with an engagement in a zone with daylight saving time
  (between two datetimes sharing such a zone, Python compares and subtracts by wall clock) or
  a naive `now`: the filtered engagements in input order, read by the rules' original
  datetime code, which has those exact semantics.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from itertools import repeat
from operator import add, and_, attrgetter, itemgetter, rshift

from connector.domain.engagement import (
    KIND_ORDER,
    RECORD_KIND_SPAN,
    RECORD_QUANTITY_BITS,
    RECORD_QUANTITY_MASK,
    Engagement,
    EngagementKind,
    epoch_microseconds,
    record_origin,
)

_ROW = attrgetter("_row")
_RECORD = itemgetter(0)
_CONTACT_ID = itemgetter(1)
_EPOCH_US = attrgetter("_epoch_us")
_QUANTITY = attrgetter("quantity")


def _epoch_and_source(event: Engagement) -> tuple[int | None, str]:
    return event._epoch_us, event.source_id or ""


class EngagementHistory:
    """A contact's engagements at `now`; build it with `EngagementHistory.of`.

    Fast form, for each kind that occurred: `times[kind]` holds the times of its engagements
    in the order of one sort by (time, kind, source id) restricted to that kind,
    `quantities[kind]` their quantities in the same order and `counts[kind]` their sum.
    The times are on the kind's scale of the records: epoch microseconds plus
    `origins[kind]`, a whole number of days (see `Engagement._row`), which saves undoing
    it per engagement; differences and UTC days are the epoch's. `source` is the contact's
    engagements in input order and `records` their records, for the few questions that need
    an engagement itself. `events` is None. General form: `events` holds the filtered
    engagements in input order; the fast form's fields are None.
    """

    __slots__ = (
        "contact_id",
        "counts",
        "events",
        "now",
        "now_us",
        "origins",
        "quantities",
        "records",
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
        self.records: list[int | None] | None = None
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
        rows = list(map(_ROW, source))
        contact_ids = list(map(_CONTACT_ID, rows))
        if contact_ids.count(contact_id) != len(contact_ids):
            source = [e for e in source if e.contact_id == contact_id]
            rows = list(map(_ROW, source))
        history = cls(contact_id, now, source)
        if history.now_us is None or not history._group(list(map(_RECORD, rows))):
            history.events = [e for e in source if e.occurred_at <= now]
        return history

    @property
    def fast(self) -> bool:
        return self.times is not None

    def _group(self, records: list[int | None]) -> bool:
        """Fill the fast form's fields from the records of `source`; False when an engagement
        has no record.

        The records sort by kind, then time, then quantity; each kind is a contiguous run,
        cut at `now`. Simultaneous engagements of one kind go by source id, not quantity:
        when their quantities differ (all 1, they are indistinguishable here), or a quantity
        is too large for its record, the kind is read from its engagements instead.
        """
        try:
            ordered = sorted(records)  # TypeError between None and an int
        except TypeError:
            return False
        if len(ordered) == 1 and ordered[0] is None:
            return False
        now_us = self.now_us
        assert now_us is not None
        times: dict[EngagementKind, list[int]] = {}
        quantities: dict[EngagementKind, list[int]] = {}
        counts: dict[EngagementKind, int] = {}
        origins: dict[EngagementKind, int] = {}
        start, end = 0, len(ordered)
        while start < end:
            rank = (ordered[start] >> RECORD_QUANTITY_BITS) // RECORD_KIND_SPAN
            stop = bisect_left(
                ordered, (rank + 1) * RECORD_KIND_SPAN << RECORD_QUANTITY_BITS, start
            )
            origin = record_origin(rank)
            last = ((origin + now_us) << RECORD_QUANTITY_BITS) | RECORD_QUANTITY_MASK
            cut = bisect_right(ordered, last, start, stop)
            if cut > start:
                kind = KIND_ORDER[rank]
                run = ordered[start:cut]
                kind_times = list(map(rshift, run, repeat(RECORD_QUANTITY_BITS)))
                kind_quantities = list(map(and_, run, repeat(RECORD_QUANTITY_MASK)))
                count = sum(kind_quantities)
                if count != len(run) and (
                    len(set(kind_times)) < len(kind_times)
                    or RECORD_QUANTITY_MASK in kind_quantities
                ):
                    kind_times, kind_quantities = self._read_kind(kind, now_us, origin)
                    count = sum(kind_quantities)
                times[kind] = kind_times
                quantities[kind] = kind_quantities
                counts[kind] = count
                origins[kind] = origin
            start = stop
        self.times, self.quantities, self.records = times, quantities, records
        self.counts, self.origins = counts, origins
        return True

    def _read_kind(
        self, kind: EngagementKind, now_us: int, origin: int
    ) -> tuple[list[int], list[int]]:
        """One kind's times (on its scale) and quantities from its engagements: ties by
        source id, quantities in full."""
        events = sorted(
            (e for e in self.source if e.kind == kind and e._epoch_us <= now_us),
            key=_epoch_and_source,
        )
        times = list(map(add, map(_EPOCH_US, events), repeat(origin)))
        return times, list(map(_QUANTITY, events))

    def latest(self, kinds: Collection[EngagementKind]) -> Engagement | None:
        """Fast form only: the latest engagement of `kinds`, and among simultaneous ones the
        first in input order — what `max(..., key=occurred_at)` over the engagements returns
        (the choice shows: their kinds and local dates may differ)."""
        times, quantities, origins = self.times, self.quantities, self.origins
        assert times is not None and quantities is not None and origins is not None
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
        # the one engagement of its kind at that time: find its record among the contact's
        quantity = min(quantities[best_kind][-1], RECORD_QUANTITY_MASK)
        record = (times[best_kind][-1] << RECORD_QUANTITY_BITS) | quantity
        assert self.records is not None
        return self.source[self.records.index(record)]

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
