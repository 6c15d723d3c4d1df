"""No echo: telling the connector's own writes apart from everyone else's on HubSpot.

Every write moves a contact's `lastmodifieddate`, so an incremental read by modified date finds
again every contact the connector itself wrote: after a backfill nearly all of them (1,486 of
1,500), after a sync every contact it updated. What HubSpot offers to tell them apart, and why
each falls short on its own:

- The batch update answer's `updatedAt` says when *our* write landed; a later modified date
  means someone wrote after us. But a person editing the contact between the connector's read
  and its write (a backfill buffers writes for up to a minute) leaves no trace in it, and the
  stamps would have to be kept between runs.
- `hs_updated_by_user_id` and the `propertiesWithHistory` sources (sourceType/sourceId) tell who
  changed what, but history is not available in search, and a batch read with history takes 50
  records per call — dearer than reading the contacts again.
- Search filters compare a property with a constant, never with another property, so no query
  can say "modified after the connector's last write".

So the connector keeps the answer on the record itself: with each update it writes
`connector_fingerprint`, a digest of every property it reads, taken as they will be once the
write has landed (what it read, overlaid with what it writes). The next incremental read
recomputes the digest from the search result: equal means nothing the connector decides on has
changed since its own write, whoever moved the modified date, and the record is dropped before
its companies, deals and engagement are fetched; different means a person, workflow or other
integration changed an input — before or after the write, even in the gap between read and
write — and the record is read as any other. The engagement objects (meetings, calls) are not
on the contact: their changes are found by their own modification stamp (see `changes`).

A contact written without this run's search having handed it over (an SLA escalation's owner
change, a replayed journal of a killed run) has no read to fingerprint from: it is read by id
just before the write (one batch read per 100, none when the pre-write re-read of shared fields
already read it), and fingerprinted only when its last change is one the run's search already
covered; a contact a person changed since is written without, so the next sync reads it.

Left out of the digest: the modified date itself, the fingerprint, and the connector's own
output properties (score, grade, reasons, stage marker, recycled-at) whose number and date
formats HubSpot may render differently from how they were sent; a person overwriting one of
those is corrected at the contact's next change, not at once. Everything goes through HubSpot's
ordinary property API: when the portal lacks the property (not provisioned yet), the connector
writes no fingerprint and simply reads its own writes again, as before.

What this cannot save: the search pages themselves. HubSpot's search has no way to leave the
echoed records out of its answer, so they still cost one search call per 200 records (instead
of the association, company, deal and engagement reads that followed for each page). Checked
against HubSpot's documentation (bench/README.md, "No echo on HubSpot", has the whole account):

- a search filter is a property, an operator and constants (`value`, `highValue`, `values`);
  no operator names a second property ("Search the CRM"), and a search takes at most 5 filter
  groups and 25 filters (developer changelog, 2024-08-26);
- `propertiesWithHistory` is offered by the objects' read and batch read, not by search, and a
  batch read with history takes 50 inputs ("The maximum number of inputs supported in a batch
  request for property histories is 50"): reading the written contacts' history would cost 4 times
  the search pages it would replace;
- a connector-written batch label searched as "label = L and modified after the end of L's
  write" needs one filter group per label, and is exact only if a label covers one batch
  (100 contacts): a person's edit landing on an already-written contact while the rest of its
  label is written would fall before the label's end and be missed. That is ⌈written / 500⌉
  searches plus the labels kept between runs, still some 20 times a quiet sync at 100,000.
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
        # One update with the joined text: the same bytes, hence the same digest, as one update
        # per name and value. Each value formatted inline as `_normal` would (None is "",
        # f"{v}" is str(v)): no Python call per property, of some 56 per contact.
        values = map(properties.get, self.rest)
        text = "".join(
            [
                f"{prefix}{'' if value is None else value}\x01"
                for prefix, value in zip(self._prefixes, values, strict=True)
            ]
        )
        return hashlib.blake2b(DIGEST_VERSION + text.encode(), digest_size=16).digest()

    def _fingerprint(self, rest: bytes, written: tuple[str, ...]) -> str:
        digest = hashlib.blake2b(rest, digest_size=16)
        for name, value in zip(self.written, written, strict=True):
            digest.update(name.encode())
            digest.update(b"\x00")
            digest.update(value.encode())
            digest.update(b"\x01")
        return digest.hexdigest()

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
        """The fingerprint property to send with this update ({} when unknown or unusable)."""
        known = self._read.get(contact_id)
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
