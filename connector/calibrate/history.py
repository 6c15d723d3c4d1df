"""Streaming people and their engagement out of the CRM, one page at a time, for both commands.

Memory holds one page of contacts and their engagement, never the CRM: calibration keeps
streamed per-rule counts and a bounded sample of feature rows (fit.History), backtest only what
it writes.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from connector.adapters.base import CrmAdapter
from connector.domain.contact import Contact
from connector.domain.engagement import Engagement
from connector.sync.engine import unusable_reason


@dataclass(frozen=True)
class Person:
    contact: Contact
    engagements: list[Engagement]

    @property
    def last_activity(self) -> datetime | None:
        return max((event.occurred_at for event in self.engagements), default=None)


@dataclass
class ReadCounts:
    people: int = 0
    skipped: int = 0


class Part(StrEnum):
    """Which people a command looks at: a deterministic split by hashed CRM id, so calibrate
    (on `train`) and backtest (on `holdout`) agree on who was held out without sharing state."""

    ALL = "all"
    TRAIN = "train"
    HOLDOUT = "holdout"


@dataclass(frozen=True)
class Split:
    """Who is held out: a share of people chosen by a hash of their CRM id — or of a mapped
    property (`by`, e.g. an external id), so two CRMs holding the same people hold out the same
    ones. People without that property fall back to their CRM id."""

    share: float = 0.3
    seed: int = 42
    by: str | None = None

    def key(self, contact: Contact) -> str:
        if self.by is not None:
            value = contact.properties.get(self.by)
            if value is not None and str(value) != "":
                return str(value)
        return contact.id

    def held_out(self, contact: Contact) -> bool:
        return in_holdout(self.key(contact), self.share, self.seed)


def in_holdout(key: str, share: float, seed: int) -> bool:
    """Stable across runs, processes and machines (SHA-256, not `hash()`)."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def iter_people(adapter: CrmAdapter, now: datetime, counts: ReadCounts) -> Iterator[Person]:
    """Every usable person in the CRM with their engagement, page by page (engagement read in
    bulk per page, as a backfill does). Records the rules cannot use are counted, not scored."""
    for page in adapter.iter_contact_pages(None):
        counts.skipped += len(page.skipped)
        usable = []
        for contact in page.contacts:
            if unusable_reason(contact, now) is None:
                usable.append(contact)
            else:
                counts.skipped += 1
        by_contact: dict[str, list[Engagement]] = defaultdict(list)
        if usable:
            for event in adapter.iter_engagements([c.id for c in usable]):
                by_contact[event.contact_id].append(event)
        for contact in usable:
            counts.people += 1
            yield Person(contact, by_contact.get(contact.id, []))
