"""One contact's engagements as the rules read them: up to `now`, and grouped by kind.

Scoring and the lifecycle rules both need a contact's engagements filtered to the contact and
to `now` (a dry run at a past `now` must not see the future); scoring also needs each kind in
time order so daily caps are spent in the order things happened. `evaluate` builds the history
once per contact and hands it to both, so the filtering, grouping and sorting happen once.

There is one form: plain engagements, compared with Python's own datetime comparisons. An
earlier version kept a second, "fast" form of the same data (times and quantities in parallel
lists, read by C-level pipelines) for fixed-offset zones; the end-to-end what-if and
calibration runs spend far more time turning stored rows into engagements than in the rules,
so the duality cost readability without buying a run that mattered (bench/README.md, "The
what-if from the snapshot", has the before/after figures).
"""

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import cast

from connector.domain.engagement import Engagement, EngagementKind


def _time_then_source(event: Engagement) -> tuple[datetime, str]:
    """Oldest first; simultaneous engagements by source id, so the order (and with it which
    engagement a daily cap cuts) never depends on the order the CRM returned them in."""
    return event.occurred_at, event.source_id or ""


class EngagementHistory:
    """A contact's engagements at `now`; build it with `EngagementHistory.of`.

    `events` holds the contact's engagements up to `now` in the order they were given (the
    lifecycle rules break ties by it: of two simultaneous triggers the first given wins);
    `by_kind[kind]` holds each kind that occurred, oldest first, ties by source id.
    The lists are shared (with `seen_at` copies): read them, never change them.
    """

    __slots__ = ("by_kind", "contact_id", "events", "memo", "now")

    def __init__(self, contact_id: str, now: datetime, events: list[Engagement]) -> None:
        self.contact_id = contact_id
        self.now = now
        self.events = events
        by_kind: dict[EngagementKind, list[Engagement]] = {}
        for event in events:
            by_kind.setdefault(event.kind, []).append(event)
        for group in by_kind.values():
            group.sort(key=_time_then_source)
        self.by_kind = by_kind
        self.memo: dict[object, object] = {}
        """What the rules derive from the engagements alone, whatever `now` (scoring keeps each
        kind's capped points here); shared with the `seen_at` copies, which hold the same."""

    @classmethod
    def of(
        cls,
        contact_id: str,
        engagements: "Iterable[Engagement] | EngagementHistory",
        now: datetime,
    ) -> "EngagementHistory":
        """The history of `contact_id` at `now`; engagements of other contacts and after `now`
        are left out. An already built history for the same contact and `now` is returned as
        it is (one built for another contact or `now` would silently mislead: refused)."""
        if isinstance(engagements, EngagementHistory):
            if engagements.contact_id != contact_id or engagements.now != now:
                raise ValueError("this history was built for another contact or `now`")
            return engagements
        events = [e for e in engagements if e.contact_id == contact_id and e.occurred_at <= now]
        return cls(contact_id, now, events)

    def seen_at(self, now: datetime) -> "EngagementHistory":
        """This history read at another `now` at which the contact has exactly the same
        engagements (none of them falls between the two moments; the caller knows it).

        The due search decides one person at many moments between two of their engagements;
        regrouping and resorting the same engagements for each was a fifth of its cost.
        """
        seen = EngagementHistory.__new__(EngagementHistory)
        seen.contact_id = self.contact_id
        seen.now = now
        seen.events = self.events
        seen.by_kind = self.by_kind
        seen.memo = self.memo
        return seen

    def of_kinds(self, kinds: Collection[EngagementKind]) -> list[Engagement]:
        """The engagements of `kinds`, in the order they were given. Kept in the memo (the
        stage rules ask for the same kinds at every moment the due search decides); the list is
        shared: read it, never change it."""
        key = ("of_kinds", id(kinds))  # the rules' own collections, alive as long as they are
        held = cast(tuple[Collection[EngagementKind], list[Engagement]] | None, self.memo.get(key))
        if held is not None and held[0] is kinds:
            return held[1]
        wanted = set(kinds)
        found = [e for e in self.events if e.kind in wanted]
        self.memo[key] = (kinds, found)
        return found
