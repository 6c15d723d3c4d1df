"""One contact's engagements as the rules read them: up to `now`, grouped by kind, oldest first.

Scoring and the lifecycle rules both need a contact's engagements filtered to the contact and
to `now`; scoring also needs each kind in time order, and the lifecycle rules the latest
engagement of some kinds. Built once per evaluation and shared, the filtering, grouping and
sorting happen once instead of once per rule, and with C-level operations over whole lists
(`map`, `sorted`, `bisect`, slices) instead of Python code per engagement: this is the rules
engine's cost per engagement.

Two forms, with identical results:
- the *fast* form, when every engagement of the contact is a plain `datetime` in a
  fixed-offset zone (UTC and "+02:00" alike) and `now` is an aware plain `datetime`: per
  kind, the times and quantities of its engagements, oldest first. Between such datetimes,
  comparison is by instant, a total order, which is what sorting once and cutting at `now`
  or at midnight by bisection rely on;
- the *general* form, for histories with an engagement in a zone with daylight saving time
  (two datetimes sharing such a zone compare by wall clock, which is not the instants' order)
  or a datetime subclass (its arithmetic may differ), or a naive `now`: the filtered
  engagements in input order, read by the rules' original code, one engagement at a time.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timezone
from itertools import islice
from operator import attrgetter, eq, itemgetter

from pydantic_core import TzInfo

from connector.domain.engagement import Engagement, EngagementKind

# The fields the rules read from every engagement, taken from the model's `__dict__` (where
# pydantic keeps a model's field values): one attribute access per engagement instead of
# four, each of which would pass through BaseModel's `__getattr__` hook at several times the
# cost of a plain object's.
_FIELDS = itemgetter("occurred_at", "kind", "quantity", "contact_id")
_TIME = itemgetter(0)
_KIND = itemgetter(1)
_QUANTITY = itemgetter(2)
_CONTACT_ID = itemgetter(3)
_ZONE = attrgetter("tzinfo")
_EVENT_QUANTITY = attrgetter("quantity")
# Zones whose offset never changes: the stdlib's fixed offsets (UTC included) and pydantic's
# parsed "Z"/"+02:00".
_FIXED_OFFSET_ZONES = {timezone, TzInfo}

Row = tuple[datetime, EngagementKind, int, str]  # an engagement's _FIELDS


def _time_and_source(event: Engagement) -> tuple[datetime, str]:
    return event.occurred_at, event.source_id or ""


class EngagementHistory:
    """A contact's engagements at `now`; build it with `EngagementHistory.of`.

    Fast form, for each kind that occurred: `times[kind]` holds the times of its engagements
    in the order of one sort by (time, kind, source id) restricted to that kind,
    `quantities[kind]` their quantities in the same order and `counts[kind]` their sum.
    `source` is the contact's engagements in input order, `rows` their fields and
    `last_rows[kind]` the fields of each kind's latest engagement, for the few questions that
    need an engagement itself. `events` is None. General form: `events` holds the filtered
    engagements in input order; the fast form's fields are None.
    """

    __slots__ = (
        "contact_id",
        "counts",
        "events",
        "last_rows",
        "now",
        "quantities",
        "rows",
        "source",
        "times",
    )

    def __init__(self, contact_id: str, now: datetime, source: Sequence[Engagement]) -> None:
        self.contact_id = contact_id
        self.now = now
        self.source = source
        self.times: dict[EngagementKind, list[datetime]] | None = None
        self.quantities: dict[EngagementKind, list[int]] | None = None
        self.counts: dict[EngagementKind, int] | None = None
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
        rows: list[Row] = list(map(_FIELDS, map(vars, source)))
        contact_ids = list(map(_CONTACT_ID, rows))
        if contact_ids.count(contact_id) != len(contact_ids):
            source = [e for e in source if e.contact_id == contact_id]
            rows = list(map(_FIELDS, map(vars, source)))
        history = cls(contact_id, now, source)
        if not history._group(rows):
            history.events = [e for e in source if e.occurred_at <= now]
        return history

    @property
    def fast(self) -> bool:
        return self.times is not None

    def _group(self, rows: list[Row]) -> bool:
        """Fill the fast form's fields; False when the general form is needed.

        The rows are grouped by kind (in input order); each group sorted (stably) by time is
        the kind's engagements in time order, cut at `now`. Simultaneous engagements of one
        kind go by source id, which this sort does not do: when such a kind's quantities
        differ (all 1, the engagements are indistinguishable here), it is read from its
        engagements instead.
        """
        now = self.now
        if type(now) is not datetime or now.utcoffset() is None:
            return False
        # A loop in Python, but cheaper than sorting by kind: kinds compare as strings.
        groups: defaultdict[EngagementKind, list[Row]] = defaultdict(list)
        for row in rows:
            groups[row[1]].append(row)
        times: dict[EngagementKind, list[datetime]] = {}
        quantities: dict[EngagementKind, list[int]] = {}
        counts: dict[EngagementKind, int] = {}
        last_rows: dict[EngagementKind, Row] = {}
        for kind, run in groups.items():
            run.sort(key=_TIME)
            run_times: list[datetime] = list(map(_TIME, run))
            zones = set(map(_ZONE, run_times))
            if set(map(type, zones)) - _FIXED_OFFSET_ZONES or set(map(type, run_times)) - {
                datetime
            }:
                return False  # (a datetime subclass might compute differently)
            cut = bisect_right(run_times, now)
            if cut:
                kind_times = run_times[:cut] if cut < len(run_times) else run_times
                kind_quantities: list[int] = list(map(_QUANTITY, run[:cut]))
                count = sum(kind_quantities)
                if count != len(kind_quantities) and any(
                    map(eq, kind_times, islice(kind_times, 1, None))
                ):
                    kind_times, kind_quantities = self._read_kind(kind)
                times[kind] = kind_times
                quantities[kind] = kind_quantities
                counts[kind] = count
                last_rows[kind] = run[cut - 1]
        self.times, self.quantities, self.counts = times, quantities, counts
        self.rows, self.last_rows = rows, last_rows
        return True

    def _read_kind(self, kind: EngagementKind) -> tuple[list[datetime], list[int]]:
        """One kind's times and quantities from its engagements: ties by source id."""
        now = self.now
        events = sorted(
            (e for e in self.source if e.kind == kind and e.occurred_at <= now),
            key=_time_and_source,
        )
        return [e.occurred_at for e in events], list(map(_EVENT_QUANTITY, events))

    def latest(self, kinds: Collection[EngagementKind]) -> Engagement | None:
        """Fast form only: the latest engagement of `kinds`, and among simultaneous ones the
        first in input order — what `max(..., key=occurred_at)` over the engagements returns
        (the choice shows: their kinds and local dates may differ)."""
        times, rows, last_rows = self.times, self.rows, self.last_rows
        assert times is not None and rows is not None and last_rows is not None
        best_kind: EngagementKind | None = None
        best: datetime | None = None
        tied = False
        for kind in times.keys() & set(kinds):
            kind_times = times[kind]
            last = kind_times[-1]
            if best is None or last > best:
                best_kind, best = kind, last
                tied = len(kind_times) > 1 and kind_times[-2] == last
            elif last == best:
                tied = True
        if best_kind is None:
            return None
        if tied:
            wanted = set(kinds)
            return next(e for e in self.source if e.kind in wanted and e.occurred_at == best)
        # the one engagement of its kind at that time: its fields are the only ones equal
        return self.source[rows.index(last_rows[best_kind])]

    def last_kind(self, kinds: Collection[EngagementKind]) -> EngagementKind | None:
        """Fast form only: the kind of the last engagement of `kinds` in input order (not in
        time order), or None when none occurred."""
        times = self.times
        assert times is not None
        present = times.keys() & set(kinds)
        if len(present) < 2:  # no candidate, or all of one kind: no need to find which is last
            return next(iter(present), None)
        now = self.now
        return next(
            e.kind for e in reversed(self.source) if e.kind in present and e.occurred_at <= now
        )
