"""Change detection through associated records: the contacts whose meetings, calls (every
engagement object the mapping scores), companies or deals changed or were deleted since the
watermark (a deal closed won makes a customer; a company's corrected industry changes the fit).

A meeting booked or a call logged is a record of its own, associated with the contact; HubSpot
does not document that creating or deleting one moves the contact's own `lastmodifieddate` (the
knowledge base only describes calculated activity properties such as `notes_last_updated`,
refreshed by HubSpot in the background, with no promise of when), so an incremental read by the
contact's modified date alone would miss the hottest signal there is. The objects are found by
their own modification stamp instead:

- changed or created: CRM search on `hs_lastmodifieddate` of each engagement object type
  (developers.hubspot.com, "Search the CRM": engagements are searchable like any object), in the
  same restartable, cap-free paging as contacts, then the v4 association batch read
  `{type}/contacts` (1,000 ids per call) maps a page of up to 200 objects to its contacts;
- deleted: search never returns archived records, so each type's list endpoint is read with
  `archived=true` (the object APIs' `archived` flag; the records carry `archivedAt`; the
  knowledge base's "Restore deleted records" keeps them restorable for 90 days) together with
  `associations=contacts`, and the objects archived inside the window name the contacts to
  re-decide. The list cannot be filtered by date: it costs one call per 100 archived objects of
  the type, every sync. That the list answers an archived record's associations inline is not
  spelled out in HubSpot's reference (a restore brings them back, so they are kept); a portal
  that answers without them leaves the contact to be re-decided at its next change.

Everything is read in pages and batches, never a call per contact; the caller deduplicates the
contacts against those whose own record changed.
"""

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from connector.adapters.hubspot import endpoints, raw
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.engagement import OBJECT_PROPERTIES
from connector.adapters.hubspot.failures import CRM
from connector.adapters.hubspot.query import (
    next_after,
    read_associations,
    search_since,
    unique,
)
from connector.adapters.kit import paginate

#: The modification stamp of every engagement object, company and deal (HubSpot's default
#: properties of each object).
ENGAGEMENT_MODIFIED = "hs_lastmodifieddate"


def _ms(moment: Any) -> int | None:
    return int(moment.timestamp() * 1000) if isinstance(moment, datetime) else None


class EngagementChanges:
    """Finds, type by type, the contacts whose engagement changed within a window."""

    def __init__(
        self,
        client: HubSpotClient,
        object_types: Sequence[str],
        remember: Callable[[str, Sequence[Any]], None] | None = None,
    ) -> None:
        self.client = client
        self.object_types = list(object_types)
        #: Called with each page of changed objects, so their records need no second read.
        self.remember = remember

    def contact_ids(self, low_ms: int, until_ms: int) -> Iterator[tuple[list[str], int | None]]:
        """(contact ids, newest stamp the batch covers) per page of changed or deleted objects."""
        for object_type in self.object_types:
            for records, _cursor, top in search_since(
                self.client,
                object_type,
                modified=ENGAGEMENT_MODIFIED,
                properties=OBJECT_PROPERTIES.get(object_type, ()),
                low_ms=low_ms,
                until_ms=until_ms,
            ):
                if self.remember is not None:
                    self.remember(object_type, records)
                linked = read_associations(
                    self.client, object_type, "contacts", [str(r.id) for r in records]
                )
                ids = unique(a.to_id for r in records for a in linked.get(str(r.id), []))
                yield ids, top
            yield from self._archived(object_type, low_ms, until_ms)

    def _archived(
        self, object_type: str, low_ms: int, until_ms: int
    ) -> Iterator[tuple[list[str], int | None]]:

        def fetch(after: str | None) -> raw.RecordPage:
            answer = self.client.send_json(
                endpoints.list_objects(object_type),
                lambda timeout: self.client.objects.get_page_with_http_info(
                    object_type,
                    limit=self.client.settings.page_size,
                    after=after,
                    properties=[ENGAGEMENT_MODIFIED],
                    associations=["contacts"],
                    archived=True,
                    _request_timeout=timeout,
                    _preload_content=False,
                ),
                action=f"list archived {object_type}",
            )
            return raw.page(answer)

        for answer in paginate(fetch, next_after, crm=CRM, what=f"archived {object_type}"):
            ids: list[str] = []
            for record in answer.results:
                archived_ms = _ms(record.archived_at)
                if archived_ms is None or not low_ms <= archived_ms <= until_ms:
                    continue
                for key, collection in record.associations.items():
                    if key.lower().startswith("contact"):
                        ids.extend(item.id for item in collection.results)
            if ids:
                yield unique(ids), None
