"""Which people (Leads, Contacts) the org deleted since the watermark: sObject Get Deleted
(`sf.Lead.deleted(start, end)`: `{"deletedRecords": [{"id", "deletedDate"}],
"earliestDateAvailable", "latestDateCovered"}`), since a deleted record drops out of every query.

The API ignores seconds and wants `start` more than a minute before `end` (else 400
INVALID_REPLICATION_DATE): a shorter span is not asked (the next sync asks again). It answers
15 days back at most, or less after a purge: `start` is kept inside, and a later
`earliestDateAvailable` is warned about. More than 600,000 ids (400 EXCEEDED_ID_LIMIT) is a
backfill's job, not split here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.adapters.kit.values import moment
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.settings import SalesforceSettings

logger = logging.getLogger(__name__)

DELETED = "GET /sobjects/{sobject}/deleted"
#: The recycle bin's horizon for getDeleted, less a minute so a start exactly at it is not refused.
HORIZON = timedelta(days=15) - timedelta(minutes=1)
#: getDeleted wants start before end by more than one minute once seconds are dropped.
SHORTEST_SPAN = timedelta(minutes=2)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass(eq=False)
class DeletedPeople:
    """The ids of deleted records of the person objects (Lead, Contact), by getDeleted."""

    client: SalesforceClient
    settings: SalesforceSettings
    objects: Sequence[str]

    def since(self, since: datetime) -> list[str]:
        """Ids of the people deleted from `since` (less the read overlap) until now, in the
        order the org answers them, Leads first."""
        end = _minute(datetime.now(UTC))
        wanted = _minute(since - timedelta(seconds=self.settings.overlap_seconds))
        start = max(wanted, end - HORIZON)
        if end - start < SHORTEST_SPAN:
            return []
        found: dict[str, None] = {}
        for name in self.objects:
            answer = self._deleted(name, start, end)
            for record in answer.get("deletedRecords") or []:
                if isinstance(record, dict) and record.get("id"):
                    found.setdefault(str(record["id"]), None)
            self._warn_if_incomplete(name, wanted, start, answer.get("earliestDateAvailable"))
        return list(found)

    def _deleted(self, name: str, start: datetime, end: datetime) -> dict[str, Any]:
        result = self.client.call(
            DELETED,
            lambda sf: getattr(sf, name).deleted(start, end),
            action=f"find the {name} records deleted since the last sync",
            records=lambda body: len(body.get("deletedRecords") or []),
        )
        return result if isinstance(result, dict) else {}

    @staticmethod
    def _warn_if_incomplete(name: str, wanted: datetime, start: datetime, earliest: Any) -> None:
        """Warn when the span asked starts after the one wanted (the 15-day horizon) or the org
        knows deletions only from later on (`earliestDateAvailable`: a purged recycle bin)."""
        available = moment(earliest)
        known_from = max(start, available) if available is not None else start
        if known_from > wanted:
            logger.warning(
                "Salesforce knows %s deletions only from %s on (15-day recycle bin horizon or a "
                "purge); people deleted between %s and then are not noticed by this sync.",
                name,
                known_from.isoformat(),
                wanted.isoformat(),
            )
