"""Which people an incremental read must re-decide because their engagement changed, not
their own record.

Salesforce documents no change to a person's SystemModstamp when a Task, Event or
CampaignMember is written for them (Object Reference, System Fields), so each scored engagement
object is read by its own SystemModstamp and mapped to its person: one query per object, a few
id columns per row. The queries go to QueryAll, which also answers soft-deleted records with
their WhoId (a delete moves SystemModstamp), so a deleted Task's person is found too, while it
is in the recycle bin (15 days). The connector's own follow-up Tasks are left out, as from
scoring.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connector.adapters.kit.values import latest_of, moment
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
        # A won opportunity or a corrected account changes neither the Contact nor its contact
        # role: the parent's stamp says so (SOQL filters on a parent relationship field).
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
                found.latest = latest_of(found.latest, stamp)
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
        return self.client.rows(query, action=action, include_deleted=True)


def _newest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later stamp; None (unknown) wins, so a row without a stamp is never covered."""
    if a is None or b is None:
        return None
    return max(a, b)
