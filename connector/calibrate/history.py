"""People and their engagement streamed out of the CRM a page at a time, for both commands:
memory holds one page, never the CRM."""

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
    """Which people a command looks at: a split by hash, so calibrate (on `train`) and backtest
    (on `holdout`) agree on who was held out without sharing state."""

    ALL = "all"
    TRAIN = "train"
    HOLDOUT = "holdout"


@dataclass(frozen=True)
class Split:
    """Who is held out: a share chosen by a hash of the CRM id, or of a mapped property (`by`, an
    external id) so two CRMs holding the same people hold out the same ones."""

    share: float = 0.3
    seed: int = 42
    by: str | None = None

    def held_out(self, contact: Contact) -> bool:
        """Stable across runs, processes and machines (SHA-256, not `hash()`)."""
        value = None if self.by is None else contact.properties.get(self.by)
        key = contact.id if value is None or str(value) == "" else str(value)
        digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.share


def iter_people(
    adapter: CrmAdapter, now: datetime, counts: ReadCounts | None = None
) -> Iterator[Person]:
    """Everyone in the CRM with their engagement, read in bulk per page as a backfill does.
    With `counts`, only usable people: records the rules cannot use are counted, not scored."""
    for page in adapter.iter_contact_pages(None):
        usable = page.contacts
        if counts is not None:
            usable = [contact for contact in usable if unusable_reason(contact, now) is None]
            counts.skipped += len(page.skipped) + len(page.contacts) - len(usable)
            counts.people += len(usable)
        by_contact: dict[str, list[Engagement]] = defaultdict(list)
        if usable:
            for event in adapter.iter_engagements([c.id for c in usable]):
                by_contact[event.contact_id].append(event)
        for contact in usable:
            yield Person(contact, by_contact.get(contact.id, []))
