"""The Salesforce adapter: the verbs of adapters/base.py on simple-salesforce.

    mapping = load_crm_mapping(Path("mappings/salesforce.yaml"))
    adapter = SalesforceAdapter(SalesforceSettings(), mapping)
    for page in adapter.iter_contact_pages(since=watermark):
        ...

Registered under the `connector.adapters` entry-point group as
`connector.adapters.salesforce:SalesforceAdapter`. Modules, one job each, named as in the
HubSpot package: `settings` (what to reach and how), `client` (SDK session, TLS trust, the kit's
transport), `endpoints` (usage labels), `pacing` (daily allowance), `failures` (errors → the
shared table), `query` (escaped SOQL), `read` (people), `changes`, `engagement`, `write`,
`task_state`, `describe` (schema, mapping checks, provisioning); Salesforce's own: `auth` (OAuth
token) and `flags` (engagement flags on the person).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Unpack

import requests

from connector.adapters import base
from connector.adapters.kit.adapter import AdapterBase, AdapterOptions
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.describe import (
    ProvisionPlan,
    check_mapping,
    describe_fields,
    provision,
)
from connector.adapters.salesforce.engagement import EngagementReader
from connector.adapters.salesforce.flags import FlagCache
from connector.adapters.salesforce.read import PersonReader
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.adapters.salesforce.task_state import TaskStates
from connector.adapters.salesforce.write import Writer
from connector.domain.contact import Contact, Owner
from connector.domain.engagement import Engagement
from connector.domain.outcomes import ContactUpdate, TaskSpec
from connector.mapping.crm_schema import SalesforceMapping


class SalesforceAdapter(AdapterBase):
    """Leads and Contacts in, score/grade/stage/owner updates and follow-up Tasks out."""

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
        self._flags = FlagCache()
        self._people = PersonReader(self.client, mapping, settings, self._flags)
        self._engagement = EngagementReader(self._people, self._flags)
        self._writer = Writer(self._people)
        self._task_states = TaskStates(self.client, mapping, settings)

    # --- reads ---

    @property
    def known(self) -> base.KnownDecisions | None:
        """People a failed sync already decided; an incremental read lists them but reads
        only those changed since (`ResumableRead`)."""
        return self._people.known

    @known.setter
    def known(self, value: base.KnownDecisions | None) -> None:
        self._people.known = value

    def iter_contact_pages(
        self, since: datetime | None, resume_after: str | None = None
    ) -> Iterator[base.ContactPage]:
        """Leads (unconverted) then Contacts, page by page, each page resumable."""
        return self._people.pages(since, resume_after)

    def count_contacts(self, since: datetime | None) -> int | None:
        """Leads and Contacts changed since `since`; the next read of the same `since` reuses
        these counts for its Bulk-or-REST decision (one COUNT() per object per backfill)."""
        return self._people.total(since)

    def iter_engagements(
        self, contact_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> Iterator[Engagement]:
        return self._engagement.engagements(contact_ids, since)

    def find_contacts(self, key: str) -> base.ContactPage:
        """The Lead(s) and Contact(s) with this record id or e-mail address, as one page."""
        return self._people.find(key)

    def read_contacts(self, contact_ids: Sequence[str]) -> base.ContactPage:
        """These Leads and Contacts by id (`Id IN (...)` per object, chunked under the URL
        limit), translated as the incremental read translates them; ids no longer held (or
        Leads since converted) are absent."""
        return self._people.by_ids(contact_ids)

    def current_values(self, contact_ids: Sequence[str]) -> dict[str, Contact]:
        """The people's own fields now: one `Id IN (...)` SOQL per object and URL-sized chunk."""
        return self._people.current(contact_ids)

    def task_states(self, keys: Sequence[str]) -> dict[str, base.TaskState]:
        """Connector-created Tasks by key: IsClosed is done; OwnerId, WhoId, ActivityDate."""
        return self._task_states.states(list(keys))

    def list_owners(self) -> list[Owner]:
        return self._people.owners()

    def describe_fields(self) -> base.FieldSchema:
        return describe_fields(self.client, self.mapping)

    def check_mapping(self, schema: base.FieldSchema | None = None) -> base.SchemaReport:
        """Problems of the mapping against the org (describes it unless a schema is given)."""
        return base.SchemaReport(
            problems=check_mapping(self.mapping, schema or self.describe_fields())
        )

    def provision(self, schema: base.FieldSchema | None = None) -> base.SchemaReport:
        """The custom fields an admin must create (`for_admin`); nothing is created."""
        plan = provision(self.mapping, schema or self.describe_fields())
        if not plan.missing:
            return base.SchemaReport(summary=plan.instructions())
        return base.SchemaReport(for_admin=plan.instructions().splitlines())

    # --- writes ---

    def apply_updates(self, updates: Sequence[ContactUpdate]) -> base.WriteResult:
        return self._writer.apply_updates(updates)

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> base.WriteResult:
        return self._writer.create_tasks(tasks)

    def reassign_tasks(self, moves: Sequence[base.TaskReassignment]) -> base.WriteResult:
        """New Task owners through sObject Collections, 200 per call; applied and rejected
        name the moves by task key."""
        return self._writer.reassign_tasks(moves)


__all__ = ["ProvisionPlan", "SalesforceAdapter", "SalesforceSettings", "check_mapping", "provision"]
