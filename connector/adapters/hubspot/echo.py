"""No echo: telling the connector's own writes apart from everyone else's on HubSpot.

Every write moves a contact's `lastmodifieddate`, so an incremental read by modified date finds
every contact the connector wrote. HubSpot cannot tell them apart by itself: the batch update's
`updatedAt` misses an edit between the connector's read and its write, history is not in search
(and a batch read with history takes 50 inputs), and a search filter never compares two
properties (bench/README.md, "No echo on HubSpot", has the whole account).

So each update also writes `connector_fingerprint`, a digest of every property the connector
reads, as it will be once the write has landed (what it read, overlaid with what it writes). The
next incremental read recomputes it from the search result: equal means nothing the connector
decides on changed since its own write, and the record is dropped before anything is fetched
for it; different means someone changed an input (even between read and write), and it is read
as any other. Engagement objects are not on the contact: see `changes`.

A contact written without this run's search having handed it over (an SLA escalation, a
replayed journal) is read by id just before the write, and fingerprinted only when its last
change is one the run's search covered. Left out of the digest: the modified date, the
fingerprint, and the connector's own outputs, whose formats HubSpot may render differently (a
person overwriting one is corrected at the contact's next change). Without the property (not
provisioned yet) no fingerprint is written and the connector reads its own writes again. The
search pages themselves still cost one call per 200 echoed records.
"""

import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from connector.adapters.errors import CrmAuthError, CrmRequestError
from connector.adapters.hubspot import endpoints
from connector.adapters.hubspot.client import HubSpotClient

log = logging.getLogger(__name__)

#: Bumped whenever what the digest covers changes, so an old fingerprint never matches.
DIGEST_VERSION = b"1"


def _normal(value: Any) -> str:
    """HubSpot reads back a cleared property as null and takes "" to clear one: same value."""
    return "" if value is None else str(value)


class EchoFilter:
    """Computes, remembers and checks the fingerprints of one adapter's contacts."""

    def __init__(
        self,
        client: HubSpotClient,
        property_name: str,
        read_names: Iterable[str],
        written_names: Iterable[str],
        excluded: Iterable[str],
        capacity: int,
    ) -> None:
        self.client = client
        self.property_name = property_name
        left_out = {*excluded, property_name}
        self.written = sorted(set(written_names) - left_out)
        self.rest = sorted(set(read_names) - left_out - set(self.written))
        self._prefixes = [f"{name}\x00" for name in self.rest]
        self.capacity = capacity
        #: contact id → (digest of the unwritten inputs, values of the written ones), as read.
        self._read: dict[str, tuple[bytes, tuple[str, ...]]] = {}
        self._exists: bool | None = None
        self.dropped = 0

    def _rest_digest(self, properties: Mapping[str, Any]) -> bytes:
        # One update with the joined text, each value formatted inline as `_normal` would: no
        # Python call per property, of some 56 per contact.
        values = map(properties.get, self.rest)
        text = "".join(
            [
                f"{prefix}{'' if value is None else value}\x01"
                for prefix, value in zip(self._prefixes, values, strict=True)
            ]
        )
        return hashlib.blake2b(DIGEST_VERSION + text.encode(), digest_size=16).digest()

    def _fingerprint(self, rest: bytes, written: tuple[str, ...]) -> str:
        pairs = zip(self.written, written, strict=True)
        text = "".join([f"{name}\x00{value}\x01" for name, value in pairs])
        return hashlib.blake2b(rest + text.encode(), digest_size=16).hexdigest()

    def fingerprint(self, properties: Mapping[str, Any]) -> str:
        """The digest of a record's inputs as it is now."""
        written = tuple(_normal(properties.get(name)) for name in self.written)
        return self._fingerprint(self._rest_digest(properties), written)

    def is_echo(self, properties: Mapping[str, Any]) -> bool:
        """True when the record still holds exactly what the connector's last write left."""
        stored = properties.get(self.property_name)
        return bool(stored) and stored == self.fingerprint(properties)

    def knows(self, contact_id: str) -> bool:
        """Whether this run has kept a read of the contact to fingerprint its write with."""
        return contact_id in self._read

    def unknown(self, contact_ids: Iterable[str]) -> list[str]:
        """The contacts a write would send without a fingerprint though one could be kept
        (room left, property present): what is worth one batch read before the write."""
        missing = [cid for cid in dict.fromkeys(contact_ids) if cid not in self._read]
        room = self.capacity - len(self._read)
        if not missing or room <= 0 or not self.available():
            return []
        return missing[:room]

    def remember(self, contact_id: str, properties: Mapping[str, Any]) -> None:
        """Keep what a write of this contact needs to fingerprint it (bounded: past
        `capacity` contacts a write goes without, and the next read reads that contact)."""
        if contact_id not in self._read and len(self._read) >= self.capacity:
            return
        self._read[contact_id] = (
            self._rest_digest(properties),
            tuple(_normal(properties.get(name)) for name in self.written),
        )

    def stamp(self, contact_id: str, sending: Mapping[str, str]) -> dict[str, str]:
        """The fingerprint property to send with this update ({} when unknown or unusable).

        The read is spent by the write it fingerprints, so what is kept is what is read and not
        yet written (a backfill's write buffer, a sync's unwritten people), not the whole run:
        a backfill's memory stays flat however many contacts it writes. A second write of the
        same contact in one run goes without (its next read is a read, not an echo)."""
        known = self._read.pop(contact_id, None)
        if known is None or not self.available():
            return {}
        rest, held = known
        after = tuple(
            sending.get(name, value) for name, value in zip(self.written, held, strict=True)
        )
        return {self.property_name: self._fingerprint(rest, after)}

    def available(self) -> bool:
        """Whether the portal has the fingerprint property (asked once, at the first write:
        writing a property that does not exist would fail the whole batch). A token without
        the schema read scope cannot tell: then no fingerprint is written either."""
        if self._exists is None:
            try:
                self.client.send(
                    endpoints.property_definition("contacts"),
                    lambda timeout: self.client.properties.get_by_name_with_http_info(
                        "contacts", self.property_name, _request_timeout=timeout
                    ),
                    action=f"read the contacts property {self.property_name}",
                    records=lambda _: 1,
                )
                self._exists = True
            except (CrmRequestError, CrmAuthError) as refused:
                log.warning(
                    "the contacts property %s cannot be used (%s); the next sync re-reads what "
                    "this run writes (`connector mappings provision` creates it)",
                    self.property_name,
                    refused,
                )
                self._exists = False
        return self._exists
