"""Which people an incremental read must re-decide because their engagement changed, not
their own record.

Logging a Task or an Event on a Lead, or adding the Lead to a campaign, writes the activity or
the CampaignMember. Salesforce documents no change to the person's own LastModifiedDate or
SystemModstamp for it: LastModifiedDate is "when a user last modified this record" and
SystemModstamp "when a user or automated process last modified this record" (Object Reference,
System Fields); the Lead's LastActivityDate is derived from its activities, and nothing promises
that deriving it moves a stamp. A read of people by SystemModstamp therefore cannot be trusted
to see a demo request. So each engagement object the mapping scores (Task, Event,
CampaignMember) is read by its own SystemModstamp and mapped to its person (WhoId; LeadId /
ContactId): one query per object, paged at 2,000, only two or three id columns per row.

Deleted engagement: the queries go to the QueryAll resource, which also answers soft-deleted
records ("QueryAll returns records that are soft deleted due to a merge or delete", REST API
Developer Guide, QueryAll) with their WhoId, and a delete moves SystemModstamp (getDeleted's
`deletedDate` "is obtained using the SystemModstamp system field", SOAP API, GetDeletedResult).
The same query thus finds the person of a Task deleted since the watermark, which getDeleted
cannot (it answers only the Task's id, so a second query by id would be needed anyway). Both
see a deleted record only while it is in the recycle bin (15 days, or until emptied): a sync
gap longer than that needs a backfill to drop a deleted activity's points.

The connector's own follow-up Tasks (they carry the task key) are left out here as they are
from scoring, so creating them does not bring their person back into the next sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connector.adapters.kit.values import moment
from connector.adapters.salesforce import query as soql
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.mapping.crm_schema import SalesforceMapping

MODSTAMP = "SystemModstamp"
PERSON_PREFIXES = ("00Q", "003")  # Lead, Contact


@dataclass(frozen=True)
class _Source:
    """One engagement object: the fields naming its person and its own filter."""

    object: str
    person_fields: tuple[str, ...]
    where: str
    values: dict[str, Any] = field(default_factory=dict)
    #: the stamp that says the person's input changed: the record's own, or its parent's
    stamp: str = MODSTAMP


@dataclass
class ChangedPeople:
    """Person ids (Lead 00Q / Contact 003), first seen first, and the latest engagement stamp
    read (it moves the watermark like a person's own stamp does)."""

    ids: dict[str, None] = field(default_factory=dict)
    latest: datetime | None = None
    #: per person, the newest stamp of the engagement rows that named them (None when a row
    #: had none): what a kept decision must have seen to cover the change
    stamps: dict[str, datetime | None] = field(default_factory=dict)


class EngagementChanges:
    def __init__(
        self, client: SalesforceClient, mapping: SalesforceMapping, settings: SalesforceSettings
    ) -> None:
        self.client = client
        self.settings = settings
        rules = mapping.engagement
        sources: list[_Source] = []
        if rules.tasks:
            own_tasks = {"key": mapping.tasks.key_field}
            where = "WhoId != null AND {key:literal} = null"
            sources.append(_Source("Task", ("WhoId",), where, own_tasks))
        if rules.events:
            sources.append(_Source("Event", ("WhoId",), "WhoId != null"))
        if rules.campaign_members:
            sources.append(_Source("CampaignMember", ("LeadId", "ContactId"), ""))
        # Sales closing an opportunity, or correcting the account's figures, changes neither
        # the Contact nor its contact role: the parent's stamp says so (SOQL filters on a
        # parent relationship field). A won opportunity makes a customer; the account's
        # industry, size and country are the Contact's fit.
        role_stamp, account_stamp = "Opportunity.SystemModstamp", "Account.SystemModstamp"
        sources.append(_Source("OpportunityContactRole", ("ContactId",), "", stamp=role_stamp))
        sources.append(_Source("Contact", ("Id",), "AccountId != null", stamp=account_stamp))
        self.sources = tuple(sources)

    def since(self, since: datetime) -> ChangedPeople:
        """The people whose scored engagement was created, changed or deleted since `since`
        (less the read overlap, as for people)."""
        found = ChangedPeople()
        after = since - timedelta(seconds=self.settings.overlap_seconds)
        for source in self.sources:
            for row in self._rows(source, after):
                stamp = moment(row.get(source.stamp))
                for name in source.person_fields:
                    person = str(row.get(name) or "")
                    if person[:3] in PERSON_PREFIXES:
                        found.ids.setdefault(person, None)
                        found.stamps[person] = _newest(found.stamps.get(person, stamp), stamp)
                if stamp is not None and (found.latest is None or stamp > found.latest):
                    found.latest = stamp
        return found

    def _rows(self, source: _Source, after: datetime) -> Iterator[dict[str, Any]]:
        where = f"{source.stamp} >= {{since}}"
        if source.where:
            where = f"{source.where} AND {where}"
        query = soql.select(
            source.object,
            [*source.person_fields, source.stamp],
            where,
            since=after,
            **source.values,
        )
        action = f"find people whose {source.object} records changed"
        for records in self.client.query_pages(query, action=action, include_deleted=True):
            yield from (soql.flatten(record) for record in records)


def _newest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later stamp; None (unknown) wins, so a row without a stamp is never covered."""
    if a is None or b is None:
        return None
    return max(a, b)
