"""Engagement from HubSpot: the activity a contact carries in its own properties, and the
engagement objects (meetings, calls, ...) associated with it.

HubSpot keeps web and e-mail activity on the contact as counters with the latest event's date
(each becomes one Engagement with a quantity, not invented events), flags and the first/most
recent form submission ("conversion"). They are read with the contacts and kept (bounded), so
`iter_engagements` for the same ids costs only the engagement objects' batch reads.
"""

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.query import (
    ID_PROPERTY,
    Association,
    batch_read,
    read_associations,
    unique,
)
from connector.adapters.kit import BoundedMap, chunks
from connector.adapters.kit.values import boolean, flagged, moment, number
from connector.domain.engagement import Engagement, EngagementKind
from connector.mapping.crm_schema import HubSpotMapping
from connector.mapping.translate import parse_datetime

#: Where each engagement object's date is read, first found wins. A meeting is dated when it
#: was booked (hs_createdate), not at its start, which may lie weeks ahead: the rules score the
#: booking, the prospect's commitment (Salesforce dates an Event at its CreatedDate likewise).
DATE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "meetings": ("hs_createdate", "hs_timestamp"),
    "calls": ("hs_timestamp",),
    "emails": ("hs_timestamp",),
    "notes": ("hs_timestamp",),
}
#: Properties read per engagement object type: its date, then its outcome.
OBJECT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "meetings": (*DATE_PROPERTIES["meetings"], "hs_meeting_outcome"),
    "calls": (*DATE_PROPERTIES["calls"], "hs_call_disposition", "hs_call_direction"),
    "emails": (*DATE_PROPERTIES["emails"], "hs_email_direction"),
    "notes": DATE_PROPERTIES["notes"],
}
_OUTCOME = {
    "meetings": "hs_meeting_outcome",
    "calls": "hs_call_disposition",
    "emails": "hs_email_direction",
}


# HubSpot's own creation date of every record; dates flags that have no date of their own.
CREATED_PROPERTY = "createdate"


@dataclass
class EngagementInputs:
    """What one contact's engagement is made of: its activity properties (plus its modified
    date, the fallback date of an undated flag) and its engagement objects' ids by type."""

    properties: dict[str, Any]
    objects: dict[str, list[str]] = field(default_factory=dict)


def engagement_properties(mapping: HubSpotMapping) -> list[str]:
    """The contact properties that hold activity, as the mapping names them."""
    config = mapping.engagement
    names: list[str] = []
    for counter in config.counters:
        names += [counter.count, counter.date]
    for flag in config.flags:
        names += [flag.property, *([flag.date] if flag.date else [])]
    if any(flag.date is None for flag in config.flags):
        names.append(CREATED_PROPERTY)
    for conversion in config.conversions.properties:
        names += [conversion.name, conversion.date]
    return unique(names)


class EngagementCache(BoundedMap[str, EngagementInputs]):
    """A bounded, least-recently-used map of contact id → EngagementInputs."""


class PropertyEngagement:
    """Turns a contact's activity properties into Engagements, as the mapping says."""

    def __init__(self, mapping: HubSpotMapping, modified_property: str) -> None:
        self.config = mapping.engagement
        self.modified_property = modified_property
        self._names = [
            (re.compile(pattern.matches, re.IGNORECASE), pattern.kind)
            for pattern in self.config.conversions.names
        ]

    def kind_of_conversion(self, name: str) -> EngagementKind:
        for pattern, kind in self._names:
            if pattern.search(name):
                return kind
        return self.config.conversions.default_kind

    def engagements(self, contact_id: str, props: Mapping[str, Any]) -> list[Engagement]:
        out: list[Engagement] = []
        for counter in self.config.counters:
            # The date is parsed only for a counter that counted something (most do not).
            quantity = round(number(props.get(counter.count)) or 0)
            when = moment(props.get(counter.date)) if quantity > 0 else None
            if when is not None:
                out.append(
                    Engagement(
                        contact_id=contact_id,
                        kind=counter.kind,
                        occurred_at=when,
                        quantity=quantity,
                        source_id=f"{contact_id}:{counter.count}",
                    )
                )
        for flag in self.config.flags:
            # An undated flag is dated at the contact's creation, which (unlike the modified
            # date) a connector write does not move: an unchanged contact decides the same.
            if boolean(props.get(flag.property)):
                out += flagged(
                    contact_id,
                    flag.kind,
                    flag.property,
                    props.get(flag.date) if flag.date else None,
                    props.get(CREATED_PROPERTY),
                    props.get(self.modified_property),
                )
        seen: set[tuple[str, datetime]] = set()
        for conversion in self.config.conversions.properties:
            name = props.get(conversion.name)
            when = moment(props.get(conversion.date)) if name else None
            if when is None or (str(name), when) in seen:
                continue  # first and most recent conversion are often the same one
            seen.add((str(name), when))
            out.append(
                Engagement(
                    contact_id=contact_id,
                    kind=self.kind_of_conversion(str(name)),
                    occurred_at=when,
                    source_id=f"{contact_id}:{conversion.name}",
                    detail=str(name)[:200],
                )
            )
        return out


def object_engagement(
    contact_id: str, object_type: str, kind: EngagementKind, record: Any
) -> Engagement | None:
    props = record.properties or {}
    dates = DATE_PROPERTIES.get(object_type, ("hs_timestamp",))
    when = moment(*(props.get(name) for name in dates))
    when = when or (record.created_at if isinstance(record.created_at, datetime) else None)
    if when is None:
        return None
    outcome = props.get(_OUTCOME.get(object_type, ""))
    return Engagement(
        contact_id=contact_id,
        kind=kind,
        occurred_at=parse_datetime(when),
        source_id=f"{object_type}:{record.id}",
        detail=str(outcome) if outcome else None,
    )


@dataclass(eq=False)
class EngagementReader:
    """`iter_engagements`: cached inputs first, one bulk fetch for the rest, then the engagement
    objects in batches of 100 — never a call per contact."""

    client: HubSpotClient
    mapping: HubSpotMapping
    cache: EngagementCache
    #: The contact property of its last change: the date of last resort for an undated flag.
    modified_property: str

    def __post_init__(self) -> None:
        self.objects = dict(self.mapping.engagement.objects)
        self.from_properties = PropertyEngagement(self.mapping, self.modified_property)
        self.contact_properties = unique(
            [*engagement_properties(self.mapping), self.modified_property, ID_PROPERTY]
        )
        capacity = self.client.settings.engagement_object_cache_size
        #: Engagement objects by type, id → record (None: HubSpot has no such live record).
        self._records: dict[str, BoundedMap[str, Any]] = {
            object_type: BoundedMap[str, Any](capacity) for object_type in self.objects
        }

    def prefetch(self, inputs: Iterable[EngagementInputs]) -> None:
        """Batch-read the engagement objects these contacts name (once per read-ahead group,
        so the reads go out full)."""
        wanted: dict[str, list[str]] = {object_type: [] for object_type in self.objects}
        for contact_inputs in inputs:
            for object_type, ids in wanted.items():
                ids.extend(contact_inputs.objects.get(object_type, []))
        for object_type, ids in wanted.items():
            self._records_of(object_type, ids)

    def remember(self, object_type: str, records: Sequence[Any]) -> None:
        """Keep engagement records read elsewhere (the change search) so they are not read
        again by id."""
        cache = self._records.get(object_type)
        if cache is not None:
            for record in records:
                cache.put(str(record.id), record)

    def _records_of(self, object_type: str, ids: Iterable[str]) -> dict[str, Any]:
        """id → record for these ids: cached ones, the rest in one batch read (and cached)."""
        cache = self._records[object_type]
        found: dict[str, Any] = {}
        missing: list[str] = []
        for object_id in unique(ids):
            if object_id not in cache:
                missing.append(object_id)
            elif (record := cache.get(object_id)) is not None:
                found[object_id] = record
        if missing:
            properties = OBJECT_PROPERTIES.get(object_type, ())
            read = batch_read(self.client, object_type, missing, properties)
            for object_id in missing:
                record = read.get(object_id)
                cache.put(object_id, record)
                if record is not None:
                    found[object_id] = record
        return found

    def inputs_for(self, contact_ids: Sequence[str]) -> dict[str, EngagementInputs]:
        """Inputs of these contacts: from the cache, else one batch read + association reads."""
        found, missing = self.cache.split(contact_ids)
        if missing:
            records = batch_read(self.client, "contacts", missing, self.contact_properties)
            linked = {
                object_type: read_associations(self.client, "contacts", object_type, list(records))
                for object_type in self.objects
            }
            for contact_id, record in records.items():
                associations: dict[str, list[Association]] = {
                    kind: linked[kind].get(contact_id, []) for kind in linked
                }
                properties = record.properties or {}
                inputs = inputs_from_record(
                    properties, self.contact_properties, associations, self.objects
                )
                self.cache.put(contact_id, inputs)
                found[contact_id] = inputs
        return found

    def engagements(
        self, inputs: Mapping[str, EngagementInputs], since: datetime | None = None
    ) -> Iterator[Engagement]:
        """From properties first, then from the engagement objects."""
        for contact_id, contact_inputs in inputs.items():
            for found in self.from_properties.engagements(contact_id, contact_inputs.properties):
                if since is None or found.occurred_at >= since:
                    yield found
        for object_type, kind in self.objects.items():
            wanted = unique(
                object_id
                for contact_inputs in inputs.values()
                for object_id in contact_inputs.objects.get(object_type, [])
            )
            records = self._records_of(object_type, wanted) if wanted else {}
            for contact_id, contact_inputs in inputs.items():
                for object_id in contact_inputs.objects.get(object_type, []):
                    record = records.get(object_id)
                    engagement = record and object_engagement(contact_id, object_type, kind, record)
                    if engagement and (since is None or engagement.occurred_at >= since):
                        yield engagement

    def for_contacts(
        self, contact_ids: Sequence[str], since: datetime | None = None
    ) -> Iterator[Engagement]:
        """In chunks of one batch, so memory stays bounded whatever the number of ids."""
        # Ten batches per round keeps the engagement objects' batch reads full.
        size = self.client.settings.batch_size * 10
        for chunk in chunks(unique(contact_ids), size):
            yield from self.engagements(self.inputs_for(chunk), since)


def inputs_from_record(
    properties: Mapping[str, Any],
    names: Iterable[str],
    associations: Mapping[str, Iterable[Association]],
    object_types: Iterable[str],
) -> EngagementInputs:
    """Only the activity properties are kept: the cache holds thousands of these."""
    return EngagementInputs(
        properties={name: properties.get(name) for name in names},
        objects={
            object_type: unique(a.to_id for a in associations.get(object_type, []))
            for object_type in object_types
        },
    )
