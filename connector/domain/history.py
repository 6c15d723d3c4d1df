"""One contact's engagements as the rules read them: up to `now`, grouped by kind, oldest first.

Scoring and the lifecycle rules both need a contact's engagements filtered to the contact and
to `now`; scoring also needs each kind in time order, and the lifecycle rules the latest
engagement of some kinds. Built once per evaluation and shared, the filtering, grouping and
sorting happen once instead of once per rule.

Two forms, with identical results:
- the *fast* form, when every engagement of the contact has a record (an exact epoch, see
  `Engagement._record`) and `now` is aware: per kind, the times (epoch microseconds, oldest
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
from operator import and_, attrgetter, rshift, sub

from connector.domain.engagement import (
    KIND_ORDER,
    RECORD_OFFSET_US,
    RECORD_QUANTITY_BITS,
    RECORD_QUANTITY_MASK,
    RECORD_SPAN_BITS,
    Engagement,
    EngagementKind,
    epoch_microseconds,
)

_RECORD = attrgetter("_record")
_CONTACT_ID = attrgetter("contact_id")
_EPOCH_US = attrgetter("_epoch_us")
_QUANTITY = attrgetter("quantity")
_RANK_SHIFT = RECORD_SPAN_BITS + RECORD_QUANTITY_BITS


def _epoch_and_source(event: Engagement) -> tuple[int | None, str]:
    return event._epoch_us, event.source_id or ""


class EngagementHistory:
    """A contact's engagements at `now`; build it with `EngagementHistory.of`.

    Fast form: `times[kind]` holds the epoch microseconds of the kind's engagements in the
    order of one sort by (time, kind, source id) restricted to that kind, `quantities[kind]`
    their quantities in the same order; only kinds that occurred are keys. `source` is the
    contact's engagements in input order and `records` their records, for the few questions
    that need an engagement itself. `events` is None. General form: `events` holds the
    filtered engagements in input order; `times`, `quantities` and `records` are None.
    """

    __slots__ = (
        "contact_id",
        "events",
        "now",
        "now_us",
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
        self.records: list[int] | None = None
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
        contact_ids = list(map(_CONTACT_ID, source))
        if contact_ids.count(contact_id) != len(contact_ids):
            source = [e for e in source if e.contact_id == contact_id]
        history = cls(contact_id, now, source)
        if history.now_us is None or not history._group():
            history.events = [e for e in source if e.occurred_at <= now]
        return history

    @property
    def fast(self) -> bool:
        return self.times is not None

    def _group(self) -> bool:
        """Fill the fast form's fields; False when an engagement has no record.

        The records sort by kind, then time, then quantity; each kind is a contiguous run,
        cut at `now`. Simultaneous engagements of one kind, ordered by quantity there, must
        go by source id instead, and a quantity too large for its record must be read from
        the engagement: such a kind is read from its engagements instead.
        """
        records = list(map(_RECORD, self.source))
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
        start, end = 0, len(ordered)
        while start < end:
            rank = ordered[start] >> _RANK_SHIFT
            stop = bisect_left(ordered, (rank + 1) << _RANK_SHIFT, start)
            base = (rank << RECORD_SPAN_BITS) + RECORD_OFFSET_US
            last = ((base + now_us) << RECORD_QUANTITY_BITS) | RECORD_QUANTITY_MASK
            cut = bisect_right(ordered, last, start, stop)
            if cut > start:
                kind = KIND_ORDER[rank]
                run = ordered[start:cut]
                kind_times = list(
                    map(sub, map(rshift, run, repeat(RECORD_QUANTITY_BITS)), repeat(base))
                )
                kind_quantities = list(map(and_, run, repeat(RECORD_QUANTITY_MASK)))
                if len(set(kind_times)) < len(kind_times) or RECORD_QUANTITY_MASK in (
                    kind_quantities
                ):
                    kind_times, kind_quantities = self._read_kind(kind, now_us)
                times[kind] = kind_times
                quantities[kind] = kind_quantities
            start = stop
        self.times, self.quantities, self.records = times, quantities, records
        return True

    def _read_kind(self, kind: EngagementKind, now_us: int) -> tuple[list[int], list[int]]:
        """One kind's times and quantities from its engagements: ties by source id."""
        events = sorted(
            (e for e in self.source if e.kind == kind and e._epoch_us <= now_us),
            key=_epoch_and_source,
        )
        return list(map(_EPOCH_US, events)), list(map(_QUANTITY, events))

    def latest(self, kinds: Collection[EngagementKind]) -> Engagement | None:
        """Fast form only: the latest engagement of `kinds`, and among simultaneous ones the
        first in input order — what `max(..., key=occurred_at)` over the engagements returns
        (the choice shows: their kinds and local dates may differ)."""
        times, quantities, records = self.times, self.quantities, self.records
        assert times is not None and quantities is not None and records is not None
        best_kind: EngagementKind | None = None
        best_us = 0
        tied = False
        for kind in times.keys() & set(kinds):
            kind_times = times[kind]
            last = kind_times[-1]
            if best_kind is None or last > best_us:
                best_kind, best_us = kind, last
                tied = len(kind_times) > 1 and kind_times[-2] == last
            elif last == best_us:
                tied = True
        if best_kind is None:
            return None
        if tied:
            wanted = set(kinds)
            return next(e for e in self.source if e.kind in wanted and e._epoch_us == best_us)
        # the one engagement of its kind at that time: find its record among the contact's
        base = (KIND_ORDER.index(best_kind) << RECORD_SPAN_BITS) + RECORD_OFFSET_US
        quantity = min(quantities[best_kind][-1], RECORD_QUANTITY_MASK)
        record = ((base + best_us) << RECORD_QUANTITY_BITS) | quantity
        return self.source[records.index(record)]

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
