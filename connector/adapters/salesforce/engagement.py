"""Engagement from Tasks, Events and CampaignMembers (per `engagement` in
mappings/salesforce.yaml), plus the e-mail flags on the person record: one query per object
per URL-sized chunk of ids, never per person; the connector's own Tasks are left out.

Dated: a Task at CompletedDateTime, else CreatedDate (ActivityDate is a due date); an Event at
CreatedDate, when it was booked; a CampaignMember at CreatedDate (Salesforce keeps no time for a
status change). A membership `engagement.counters` names carries how many times, from number
fields on its Lead or Contact, replacing its own engagement of the same kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from connector.adapters.kit.values import moment
from connector.adapters.salesforce import query as soql
from connector.adapters.salesforce.flags import FlagCache, flag_engagements, flag_fields
from connector.adapters.salesforce.read import CREATED, KEY_PREFIXES, MODSTAMP, PersonReader
from connector.domain.engagement import Engagement, EngagementKind
from connector.mapping.crm_schema import (
    CampaignMemberRule,
    SalesforceActivityRule,
    SalesforceCounter,
)


@dataclass(frozen=True)
class _Compiled:
    field: str
    pattern: re.Pattern[str]
    kind: EngagementKind


def _compile(rules: Sequence[SalesforceActivityRule]) -> list[_Compiled]:
    # Case-insensitive: subjects are typed by people and tools ("Email: Opened", "DEMO").
    return [
        _Compiled(rule.field, re.compile(rule.matches, re.IGNORECASE), rule.kind) for rule in rules
    ]


def _kind(rules: Sequence[_Compiled], row: dict[str, Any]) -> EngagementKind | None:
    for rule in rules:
        value = row.get(rule.field)
        if value is not None and rule.pattern.search(str(value)):
            return rule.kind
    return None


#: How a campaign member is matched: its Status and its Campaign.Type, trimmed and case-folded.
_MemberKey = tuple[str, ...]


def _member_matches(rule: CampaignMemberRule | SalesforceCounter, key: _MemberKey) -> bool:
    if rule.status.casefold() != key[0]:
        return False
    return rule.campaign_type is None or rule.campaign_type.casefold() == key[1]


def _number(value: Any) -> float:
    try:
        number = float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        return 0.0
    return number if number > 0 else 0.0


def _counted(rule: SalesforceCounter, row: dict[str, Any], person: str) -> int:
    """How many times, from the member's Lead or Contact (`person`); above 0 is at least once,
    and an empty `times` multiplies by 1."""
    count = _number(row.get(f"{person}.{rule.count}"))
    if rule.times is not None and count:
        count *= _number(row.get(f"{person}.{rule.times}")) or 1.0
    return max(round(count), 1) if count else 0


class EngagementReader:
    """Tasks, Events and CampaignMembers of people the reader read (or that changed), in bulk;
    it reads with the person reader's client, mapping and settings."""

    def __init__(self, people: PersonReader, flags: FlagCache) -> None:
        self.people, self.flags = people, flags
        self.client, self.mapping, self.settings = people.client, people.mapping, people.settings
        rules = self.mapping.engagement
        self.task_rules, self.event_rules = _compile(rules.tasks), _compile(rules.events)
        self.member_rules = rules.campaign_members
        self.counters = rules.counters
        #: (status, campaign type) -> the first member rule's kind and the matching counters
        #: (a handful of picklist pairs against ~40,000 members a backfill).
        self._matched: dict[_MemberKey, tuple[EngagementKind | None, list[SalesforceCounter]]]
        self._matched = {}

    def engagements(
        self, contact_ids: Sequence[str] | None, since: datetime | None
    ) -> Iterator[Engagement]:
        if contact_ids is not None:
            yield from self._by_ids(list(dict.fromkeys(contact_ids)))
        else:
            yield from self._by_time(since)

    # --- by person ids ---

    def _by_ids(self, ids: list[str]) -> Iterator[Engagement]:
        wanted = set(ids)
        people = [i for i in ids if i[:3] in KEY_PREFIXES.values()]
        leads = [i for i in people if i[:3] == KEY_PREFIXES["Lead"]]
        contacts = [i for i in people if i[:3] == KEY_PREFIXES["Contact"]]
        for query_of, rules, dates, action in self._activity_objects():
            build = partial(query_of, "WhoId IN {ids}")
            rows = self.client.rows_in(people, lambda chunk, b=build: b(ids=chunk), action=action)
            yield from self._activities(rows, wanted, rules, *dates)
        if self.member_rules or self.counters:
            for field, group in (("LeadId", leads), ("ContactId", contacts)):
                rows = self.client.rows_in(
                    group,
                    lambda chunk, f=field: self._member_query(
                        "{field:literal} IN {ids}", field=f, ids=chunk
                    ),
                    action="read campaign members",
                )
                yield from self._members(rows, wanted)
        yield from self._flags(leads, contacts)

    def _flags(self, leads: list[str], contacts: list[str]) -> Iterator[Engagement]:
        flags = self.mapping.engagement.flags
        if not flags:
            return
        cached, missing = self.flags.split([*leads, *contacts])
        for engagements in cached.values():
            yield from engagements
        fields = soql.unique(["Id", CREATED, *flag_fields(flags)])
        for source in self.people.sources:
            prefix = KEY_PREFIXES[source.name]
            group = [i for i in missing if i[:3] == prefix]
            rows = self.client.rows_in(
                group,
                lambda chunk, name=source.name: soql.select(name, fields, "Id IN {ids}", ids=chunk),
                action=f"read {source.name} e-mail flags",
            )
            for row in rows:
                person_id = str(row["Id"])
                found = flag_engagements(person_id, row, flags, moment(row.get(CREATED)))
                self.flags.put(person_id, found)
                yield from found

    # --- by time ---

    def _by_time(self, since: datetime | None) -> Iterator[Engagement]:
        after = (
            since - timedelta(seconds=self.settings.overlap_seconds) if since is not None else None
        )
        stamp = " AND SystemModstamp >= {since}" if after is not None else ""
        for query_of, rules, dates, action in self._activity_objects():
            query = query_of("WhoId != null" + stamp, since=after)
            yield from self._activities(self.client.rows(query, action=action), None, rules, *dates)
        if self.member_rules or self.counters:
            where = "SystemModstamp >= {since}" if after is not None else ""
            query = self._member_query(where, since=after)
            yield from self._members(self.client.rows(query, action="read campaign members"), None)
        flags = self.mapping.engagement.flags
        if flags:
            fields = soql.unique(["Id", CREATED, MODSTAMP, *flag_fields(flags)])
            for source in self.people.sources:
                clauses = [c for c in (source.where, stamp.removeprefix(" AND ")) if c]
                query = soql.select(source.name, fields, " AND ".join(clauses), since=after)
                for row in self.client.rows(query, action=f"read {source.name} e-mail flags"):
                    person_id = str(row["Id"])
                    yield from flag_engagements(person_id, row, flags, moment(row.get(CREATED)))

    # --- queries and rows ---

    def _task_query(self, where: str, **values: Any) -> str:
        fields = ["Id", "WhoId", CREATED, "CompletedDateTime", *(r.field for r in self.task_rules)]
        where = f"({where}) AND {{key:literal}} = null"
        return soql.select("Task", fields, where, key=self.mapping.tasks.key_field, **values)

    def _event_query(self, where: str, **values: Any) -> str:
        fields = ["Id", "WhoId", CREATED, *(r.field for r in self.event_rules)]
        return soql.select("Event", fields, where, **values)

    def _member_query(self, where: str, **values: Any) -> str:
        fields = ["Id", "LeadId", "ContactId", "Status", CREATED, "Campaign.Type", "Campaign.Name"]
        for counter in self.counters:
            for name in filter(None, (counter.count, counter.times)):
                fields += [f"Lead.{name}", f"Contact.{name}"]
        return soql.select("CampaignMember", soql.unique(fields), where, **values)

    def _activity_objects(self) -> Iterator[tuple[Any, list[_Compiled], tuple[str, ...], str]]:
        """Tasks then Events, the ones the mapping has rules for: query, rules, dates, action."""
        if self.task_rules:
            yield self._task_query, self.task_rules, ("CompletedDateTime", CREATED), "read Tasks"
        if self.event_rules:
            yield self._event_query, self.event_rules, (CREATED,), "read Events"

    def _activities(
        self, rows: Any, wanted: set[str] | None, rules: Sequence[_Compiled], *dates: str
    ) -> Iterator[Engagement]:
        """Tasks or Events: the kind by the rules, dated by the first of `dates` that is one."""
        for row in rows:
            who = str(row.get("WhoId") or "")
            kind = _kind(rules, row)
            when = moment(*(row.get(field) for field in dates))
            if kind is None or when is None or (wanted is not None and who not in wanted):
                continue
            yield Engagement(contact_id=who, kind=kind, occurred_at=when, source_id=str(row["Id"]))

    def _matching(
        self, row: dict[str, Any]
    ) -> tuple[EngagementKind | None, list[SalesforceCounter]]:
        status, campaign_type = row.get("Status"), row.get("Campaign.Type")
        key = (str(status or "").strip().casefold(), str(campaign_type or "").strip().casefold())
        found = self._matched.get(key)
        if found is None:
            kind = next((r.kind for r in self.member_rules if _member_matches(r, key)), None)
            counters = [c for c in self.counters if _member_matches(c, key)]
            found = self._matched[key] = (kind, counters)
        return found

    def _members(self, rows: Any, wanted: set[str] | None) -> Iterator[Engagement]:
        for row in rows:
            kind, counters = self._matching(row)
            contact, lead = str(row.get("ContactId") or ""), str(row.get("LeadId") or "")
            if contact and (wanted is None or contact in wanted):
                who, person = contact, "Contact"
            elif lead and (wanted is None or lead in wanted):
                who, person = lead, "Lead"
            else:
                continue
            when = moment(row.get(CREATED))
            if when is None:
                continue
            counted = set()
            for counter in counters:
                quantity = _counted(counter, row, person)
                if quantity:
                    counted.add(counter.kind)
                    yield Engagement(
                        contact_id=who,
                        kind=counter.kind,
                        occurred_at=when,
                        quantity=quantity,
                        source_id=f"{row['Id']}:{counter.kind.value}",
                        detail=row.get("Campaign.Name"),
                    )
            if kind is None or kind in counted:
                continue
            yield Engagement(
                contact_id=who,
                kind=kind,
                occurred_at=when,
                source_id=str(row["Id"]),
                detail=row.get("Campaign.Name"),
            )
