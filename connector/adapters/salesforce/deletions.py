"""Which people (Leads, Contacts) the org deleted since the watermark: sObject Get Deleted.

A deleted record drops out of every query, so an incremental read by SystemModstamp never sees a
deletion. `GET /services/data/vXX.X/sobjects/<Type>/deleted/?start=&end=` (simple-salesforce's
`sf.Lead.deleted(start, end)`) answers `{"deletedRecords": [{"id", "deletedDate"}],
"earliestDateAvailable", "latestDateCovered"}` (REST API Developer Guide, "sObject Get Deleted";
SOAP API, "GetDeletedResult"). What the documentation sets, and how it is met here:
- "The API ignores the seconds portion" of both dates, and `start` must precede `end` by more than
  a minute, else 400 INVALID_REPLICATION_DATE: a span shorter than two minutes is not asked at
  all (the next sync starts from the watermark less the read overlap, so it asks again).
- "Results are returned for no more than 15 days previous to the day the call is executed (or
  earlier if an administrator has purged the Recycle Bin)": `start` is kept inside that horizon,
  and when the answer's `earliestDateAvailable` is after the asked start (a sync gap longer than
  the horizon, or a purge), a warning says deletions before it cannot be known.
- More than 600,000 ids answer 400 EXCEEDED_ID_LIMIT: not split here; a person-level org deleting
  that many people between two syncs is outside what an incremental sync is for (a backfill is).
Each answer is one request, counted under one endpoint label for both objects (as describe is).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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


class DeletedPeople:
    """The ids of deleted records of the person objects (Lead, Contact), by getDeleted."""

    def __init__(
        self,
        client: SalesforceClient,
        settings: SalesforceSettings,
        objects: Sequence[str],
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.objects = tuple(objects)
        self.clock = clock or (lambda: datetime.now(UTC))

    def since(self, since: datetime) -> list[str]:
        """Ids of the people deleted from `since` (less the read overlap) until now, in the
        order the org answers them, Leads first."""
        end = _minute(self.clock())
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
