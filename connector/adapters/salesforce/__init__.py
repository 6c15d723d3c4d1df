"""The Salesforce adapter: the verbs of adapters/base.py on simple-salesforce.

    adapter = SalesforceAdapter(SalesforceSettings(), load_crm_mapping(path))

Modules named as in the HubSpot package (`settings`, `client`, `endpoints`, `pacing`,
`failures`, `query`, `read`, `changes`, `engagement`, `write`, `task_state`, `describe`);
Salesforce's own: `auth` (OAuth token), `deletions`, `flags`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Unpack

import requests

from connector.adapters.base import FieldSchema, SchemaReport, TaskState
from connector.adapters.kit.adapter import AdapterBase, AdapterOptions
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.describe import (
    check_mapping,
    describe_objects,
    described_objects,
    instructions,
    provision,
)
from connector.adapters.salesforce.engagement import EngagementReader
from connector.adapters.salesforce.flags import DEFAULT_CACHE_SIZE, FlagCache
from connector.adapters.salesforce.read import PersonReader
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.adapters.salesforce.task_state import task_states
from connector.adapters.salesforce.write import Writer
from connector.domain.contact import Owner
from connector.domain.engagement import Engagement
from connector.mapping.crm_schema import SalesforceMapping


class SalesforceAdapter(AdapterBase):
    """Leads and Contacts in (unconverted Leads, then Contacts, each page resumable),
    score/grade/stage/owner updates and follow-up Tasks out."""

    name = "salesforce"

    def __init__(
        self,
        settings: SalesforceSettings,
        mapping: SalesforceMapping,
        *,
        session: requests.Session | None = None,
        **options: Unpack[AdapterOptions],
    ) -> None:
        super().__init__(**options)
        self.settings = settings
        self.mapping = mapping
        self.client = SalesforceClient(settings, self.usage, session=session, sleep=self.sleep)
        self._flags = FlagCache(DEFAULT_CACHE_SIZE)
        self.reader = PersonReader(self.client, mapping, settings, self._flags)
        self._engagement = EngagementReader(self.reader, self._flags)
        self.writer = Writer(self.reader)

    # --- reads ---

    def count_contacts(self, since: datetime | None) -> int | None:
        """Leads and Contacts changed since `since`; the next read of the same `since` reuses
        these counts for its Bulk-or-REST decision (one COUNT() per object per backfill)."""
        return self.reader.total(since)

    def iter_engagements(
        self, contact_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> Iterator[Engagement]:
        return self._engagement.engagements(contact_ids, since)

    def task_states(self, keys: Sequence[str]) -> dict[str, TaskState]:
        return task_states(self.client, self.mapping.tasks, keys)

    def list_owners(self) -> list[Owner]:
        return self.reader.owners()

    def describe_fields(self) -> FieldSchema:
        """One sObject describe per object the mapping touches."""
        return describe_objects(self.client, described_objects(self.mapping))

    def check_mapping(self, schema: FieldSchema | None = None) -> SchemaReport:
        return SchemaReport(problems=check_mapping(self.mapping, schema or self.describe_fields()))

    def provision(self, schema: FieldSchema | None = None) -> SchemaReport:
        """The custom fields an admin must create (`for_admin`); nothing is created."""
        missing = provision(self.mapping, schema or self.describe_fields())
        if not missing:
            return SchemaReport(summary=instructions(missing))
        return SchemaReport(for_admin=instructions(missing).splitlines())


__all__ = ["SalesforceAdapter", "SalesforceSettings", "check_mapping", "instructions", "provision"]
