"""Change detection through associated records: the contacts whose engagement objects (meetings,
calls, ...) changed or were deleted since the watermark.

HubSpot does not document that creating or deleting a meeting moves the contact's own
`lastmodifieddate`, so a read by the contact's modified date alone would miss the hottest signal
there is. The objects are found by their own stamp instead: changed or created ones by a search
on `hs_lastmodifieddate` (the contacts' restartable paging), mapped to contacts by the v4
association batch read (1,000 ids per call); deleted ones from the list endpoint with
`archived=true` and `associations=contacts` (search never returns archived records; the list
cannot filter by date, so it costs one call per 100 archived objects, every sync). A portal that
answers an archived record without its associations leaves the contact to its next change.
The caller deduplicates against the contacts whose own record changed.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.adapters.hubspot import endpoints, raw
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.engagement import OBJECT_PROPERTIES
from connector.adapters.hubspot.failures import CRM
from connector.adapters.hubspot.query import next_after, read_associations, search_since, unique
from connector.adapters.kit import paginate

#: The modification stamp of every engagement object (a default property of each).
ENGAGEMENT_MODIFIED = "hs_lastmodifieddate"


def _ms(moment: Any) -> int | None:
    return int(moment.timestamp() * 1000) if isinstance(moment, datetime) else None


@dataclass(eq=False)
class EngagementChanges:
    """Finds, type by type, the contacts whose engagement changed within a window."""

    client: HubSpotClient
    object_types: Sequence[str]
    #: Called with each page of changed objects, so their records need no second read.
    remember: Callable[[str, Sequence[Any]], None]

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
