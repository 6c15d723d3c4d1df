"""The HubSpot adapter: the verbs of `connector.adapters.base.CrmAdapter` on hubspot-api-client.

    adapter = HubSpotAdapter(HubSpotSettings(), mapping)   # HUBSPOT_ACCESS_TOKEN, HUBSPOT_BASE_URL

Modules named as in the Salesforce package (`settings`, `client`, `endpoints`, `pacing`,
`failures`, `query`, `read`, `changes`, `engagement`, `write`, `task_state`, `describe`);
HubSpot's own: `raw` (answers without the SDK's models), `echo` (telling its writes apart).
"""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Unpack

from connector.adapters.base import FieldSchema, SchemaReport, TaskState, WriteResult
from connector.adapters.hubspot.changes import EngagementChanges
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.describe import check_mapping, describe_fields, provision
from connector.adapters.hubspot.echo import EchoFilter
from connector.adapters.hubspot.engagement import EngagementCache, EngagementReader
from connector.adapters.hubspot.read import ContactReader, list_owners
from connector.adapters.hubspot.settings import HubSpotSettings
from connector.adapters.hubspot.task_state import task_states
from connector.adapters.hubspot.write import Writer
from connector.adapters.kit.adapter import AdapterBase, AdapterOptions
from connector.adapters.kit.schema import WRITTEN_FIELDS
from connector.domain.contact import Owner
from connector.domain.engagement import Engagement
from connector.domain.outcomes import ContactUpdate
from connector.mapping.crm_schema import CONNECTOR_OWNED_FIELDS, ContactField, HubSpotMapping
from connector.mapping.translate import PersonTranslator

__all__ = ["HubSpotAdapter", "HubSpotSettings", "check_mapping", "provision"]


def echo_filter(
    client: HubSpotClient, mapping: HubSpotMapping, read_names: Sequence[str]
) -> EchoFilter:
    """The echo filter over what the reader reads: the connector's own outputs and the
    modified date left out, the people-facing fields it writes taken at their written value."""
    fields = mapping.contact.fields
    outputs = {fields[f] for f in CONNECTOR_OWNED_FIELDS if f in fields}
    written = {fields[f] for f in WRITTEN_FIELDS if f in fields} - outputs
    settings = client.settings
    return EchoFilter(
        client,
        settings.fingerprint_property,
        read_names,
        written,
        excluded={*outputs, fields.get(ContactField.UPDATED_AT, "lastmodifieddate")},
        capacity=settings.echo_memory_contacts,
    )


class HubSpotAdapter(AdapterBase):
    """One HubSpot portal, read and written through the mapping. Not thread-safe: one adapter
    per sync; its `usage` counts every request it made.

    A full read pages the list endpoint (cursor: HubSpot's `after`), an incremental one the
    search (cursor "<modified ms>[:<last id>]"): the contacts whose own record changed, minus
    the connector's own echo, then in pages without a cursor those whose engagement objects
    changed (`changes`)."""

    name = "hubspot"

    def __init__(
        self, settings: HubSpotSettings, mapping: HubSpotMapping, **options: Unpack[AdapterOptions]
    ) -> None:
        super().__init__(**options)
        self.settings = settings
        self.mapping = mapping
        self.client = HubSpotClient(settings, self.usage, sleep=self.sleep)
        self.translator = PersonTranslator(mapping.contact, mapping.company)
        self.cache = EngagementCache(settings.engagement_cache_contacts)
        self.reader = ContactReader(self.client, mapping, self.translator, self.cache)
        self.engagement = EngagementReader(self.client, mapping, self.cache, self.reader.modified)
        self.reader.prefetch = self.engagement.prefetch
        # Every associated record the rules read can change without the contact changing: a
        # meeting booked, a deal closed won, the company's industry corrected. Each of them
        # brings its contacts into the next incremental read.
        self.reader.changes = EngagementChanges(
            self.client, self.reader.association_types, self.engagement.remember
        )
        self.writer = Writer(self.client, mapping, self.translator)
        self.echo: EchoFilter | None = None
        if settings.skip_own_writes:
            self.echo = echo_filter(self.client, mapping, self.reader.properties)
            self.reader.echo = self.echo
            self.reader.properties.append(settings.fingerprint_property)
            self.writer.stamp = self.echo.stamp

    # ---- reading ----------------------------------------------------------------------------
    def count_contacts(self, since: datetime | None) -> int | None:
        return self.reader.count(since)

    def iter_engagements(
        self, contact_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> Iterator[Engagement]:
        """Engagement of these contacts (what iter_contacts read costs no call but the
        engagement objects' batch reads), or of every contact modified since `since`."""
        if contact_ids is not None:
            yield from self.engagement.for_contacts(contact_ids, since)
            return
        if since is None:
            raise ValueError("iter_engagements needs contact ids or a `since` time")
        for page in self.iter_contact_pages(since):
            ids = [c.id for c in page.contacts] + [s.record_id for s in page.skipped]
            yield from self.engagement.for_contacts(ids, since)

    def task_states(self, keys: Sequence[str]) -> dict[str, TaskState]:
        return task_states(self.client, self.mapping.tasks, keys)

    def list_owners(self) -> list[Owner]:
        return list_owners(self.client)

    def describe_fields(self) -> FieldSchema:
        """Property definitions of contacts, companies, deals, tasks and the engagement
        objects the mapping reads."""
        mapping = self.mapping
        objects = [mapping.contact.object, "companies", "deals", mapping.tasks.object]
        return describe_fields(self.client, [*objects, *mapping.engagement.objects])

    def check_mapping(self, schema: FieldSchema | None = None) -> SchemaReport:
        return SchemaReport(problems=check_mapping(self.mapping, schema or self.describe_fields()))

    def provision(self, schema: FieldSchema | None = None) -> SchemaReport:
        """Create the connector's own missing properties ("object.property" in `created`)."""
        created = provision(
            self.client,
            self.mapping,
            schema or self.describe_fields(),
            self.settings.fingerprint_property if self.settings.skip_own_writes else None,
        )
        return SchemaReport(
            created=created, summary="" if created else "every connector property exists"
        )

    # ---- writing ----------------------------------------------------------------------------
    def apply_updates(self, updates: Sequence[ContactUpdate]) -> WriteResult:
        """Batch updates, each with the echo fingerprint; a contact this run's search did not
        hand over is read first (unless the pre-write re-read did), so that its write is
        fingerprinted too when nothing changed on it since the search (`read.current`)."""
        if self.echo is not None and self.reader.read_until_ms is not None:
            unread = self.echo.unknown(update.contact_id for update in updates)
            if unread:
                self.reader.current(unread)
        return super().apply_updates(updates)
