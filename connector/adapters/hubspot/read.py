"""Reading contacts (with their companies and deals) and owners from HubSpot.

Full read: the list endpoint, 100 per page, with the mapped properties and inline
`associations`, the associated records following in batch reads (companies and deals cached
across pages). Incremental read: `query.search_since` on the modified date from the watermark
less an overlap (the search index lags writes), up to the moment the read started; the
connector's own echo is dropped before anything is fetched for it (`echo`), then the contacts
whose engagement objects changed are read by id (`changes`).
"""

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from connector.adapters.base import ContactPage, KnownDecisions, RecordError
from connector.adapters.hubspot import endpoints, raw
from connector.adapters.hubspot.changes import EngagementChanges
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.echo import EchoFilter
from connector.adapters.hubspot.engagement import (
    EngagementCache,
    EngagementInputs,
    engagement_properties,
    inputs_from_record,
)
from connector.adapters.hubspot.failures import CRM
from connector.adapters.hubspot.query import (
    ID_PROPERTY,
    PRIMARY_TYPE_NAMES,
    Association,
    RawRecord,
    batch_read,
    merge_primary,
    next_after,
    read_associations,
    search_page,
    search_since,
    unique,
    where,
)
from connector.adapters.kit import BoundedMap, chunks, paginate
from connector.adapters.kit.values import latest_of, moment, number
from connector.domain.contact import Company, Contact, Deal, DealStatus, Owner
from connector.mapping.crm_schema import ContactField, HubSpotMapping
from connector.mapping.translate import PersonTranslator, RecordDataError

log = logging.getLogger(__name__)

#: One page as HubSpot returned it: its records, the cursor after it, per association type the
#: ids whose inline association list was cut short (None: no association came inline), and the
#: newest modified date (ms) the page covers beyond its records (echo left out, engagement).
_RawPage = tuple[list[RawRecord], str | None, dict[str, list[str]] | None, int | None]

DEAL_PROPERTIES = ("dealstage", "amount", "closedate", "pipeline")


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class ContactReader:
    def __init__(
        self,
        client: HubSpotClient,
        mapping: HubSpotMapping,
        translator: PersonTranslator,
        cache: EngagementCache,
    ) -> None:
        self.client = client
        self.settings = client.settings
        self.mapping = mapping
        self.translator = translator
        self.cache = cache
        self.modified = mapping.contact.fields.get(ContactField.UPDATED_AT, "lastmodifieddate")
        self.engagement_objects = list(mapping.engagement.objects)
        self.association_types = unique(["companies", "deals", *self.engagement_objects])
        self.engagement_names = unique(
            [*engagement_properties(mapping), self.modified, ID_PROPERTY]
        )
        self.properties = unique(
            [*translator.read_fields(), *self.engagement_names, self.modified, ID_PROPERTY]
        )
        self.company_properties = translator.company_read_fields()
        self._companies = BoundedMap[str, Company | RecordDataError](
            self.settings.company_cache_size
        )
        self._deals = BoundedMap[str, Deal](self.settings.company_cache_size)
        #: Called with the engagement inputs of each read-ahead group, so the engagement
        #: objects they name are batch-read together (set by the adapter).
        self.prefetch: Callable[[Iterable[EngagementInputs]], None] | None = None
        #: Engagement-driven change detection and the echo filter (set by the adapter).
        self.changes: EngagementChanges | None = None
        self.echo: EchoFilter | None = None
        #: People a failed sync's kept journal already decided (set by the engine for a sync):
        #: listed, but not read again unless changed after that sync's reads began.
        self.known: KnownDecisions | None = None
        #: The upper bound of this run's incremental read (ms), once it has started.
        self.read_until_ms: int | None = None

    # ---- public -----------------------------------------------------------------------------
    def pages(self, since: datetime | None, resume_after: str | None) -> Iterator[ContactPage]:
        if since is None:
            yield from self._read_ahead(self._list_pages(resume_after))
            return
        # One upper bound for every search of the run: the watermark never passes a record.
        until_ms = int(time.time() * 1000)
        self.read_until_ms = until_ms
        yielded: set[str] = set()
        yield from self._read_ahead(
            chain(
                self._search_pages(since, resume_after, until_ms, yielded),
                self._engagement_pages(since, until_ms, yielded),
            )
        )

    def count(self, since: datetime | None) -> int:
        """One search call: HubSpot reports the total of any search."""
        groups = [] if since is None else [{"filters": self._window(since)}]
        request = {"filterGroups": groups, "properties": [ID_PROPERTY], "limit": 1, "sorts": []}
        answer = search_page(self.client, "contacts", request, "count contacts")
        return int(answer.total or 0)

    def find(self, key: str) -> ContactPage:
        """The contacts whose record id or e-mail address is `key`: one search (groups OR)."""
        email = self.mapping.contact.fields.get(ContactField.EMAIL, "email")
        names = [email, ID_PROPERTY] if key.isdigit() else [email]
        groups = [{"filters": [where(name, "EQ", key)]} for name in names]
        request = {"filterGroups": groups, "properties": self.properties, "limit": 10, "sorts": []}
        results = search_page(self.client, "contacts", request, "find contact").results
        return self._pages([(self._unlinked(results), None, None, None)])[0]

    def by_ids(self, contact_ids: Sequence[str]) -> ContactPage:
        """These contacts, batch-read and completed exactly as a search page is, so each
        comes out as the incremental read makes it; ids HubSpot no longer holds are absent."""
        wanted = unique(str(contact_id) for contact_id in contact_ids)
        found = batch_read(self.client, "contacts", wanted, self.properties)
        records = self._unlinked([found[i] for i in wanted if i in found])
        size = max(1, self.settings.read_ahead_records)
        page = ContactPage()
        for chunk in chunks(records, size):
            (part,) = self._pages([(chunk, None, None, None)])
            page.contacts += part.contacts
            page.skipped += part.skipped
            page.max_updated_at = latest_of(page.max_updated_at, part.max_updated_at)
        return page

    def current(self, contact_ids: Sequence[str]) -> dict[str, Contact]:
        """The contacts' own properties as HubSpot holds them now, batch-read without their
        associations: what a write is about to replace. Untranslatable records are absent."""
        wanted = unique(str(contact_id) for contact_id in contact_ids)
        properties = unique([*self.translator.read_fields(), self.modified, ID_PROPERTY])
        # Every property a fingerprint covers only when `_remember_unread` may keep one: in an
        # incremental read, for a contact the echo filter has no read of. Else the mapped ones.
        echo = self.echo if self.read_until_ms is not None else None
        if echo is not None and not all(map(echo.knows, wanted)):
            properties = unique([*properties, *self.properties])
        found = batch_read(self.client, "contacts", wanted, properties)
        current: dict[str, Contact] = {}
        for record_id, record in found.items():
            props = record.properties or {}
            self._remember_unread(record_id, props)
            try:
                current[record_id] = self.translator.to_contact(record_id, props)
            except RecordDataError:
                continue
        return current

    def _remember_unread(self, record_id: str, properties: dict[str, Any]) -> None:
        """Let the write after this re-read carry the echo fingerprint for a contact the run's
        search did not hand over (an SLA escalation's owner change), so the next sync drops
        it: only when its last change is one this run's search covered (at or before its upper
        bound less the overlap), hence already decided. A contact changed since is written
        without, so the next sync reads the change."""
        if self.echo is None or self.read_until_ms is None or self.echo.knows(record_id):
            return
        modified = moment(properties.get(self.modified))
        overlap_ms = int(self.settings.incremental_overlap_seconds * 1000)
        if modified is not None and to_ms(modified) <= self.read_until_ms - overlap_ms:
            self.echo.remember(record_id, properties)

    # ---- full read --------------------------------------------------------------------------
    def _list_pages(self, resume_after: str | None) -> Iterator[_RawPage]:
        def fetch(after: str | None) -> raw.RecordPage:
            answer = self.client.send_json(
                endpoints.list_objects("contacts"),
                lambda timeout: self.client.objects.get_page_with_http_info(
                    "contacts",
                    limit=self.settings.page_size,
                    after=after,
                    properties=self.properties,
                    associations=self.association_types,
                    archived=False,
                    _request_timeout=timeout,
                    _preload_content=False,
                ),
                action="list contacts",
            )
            return raw.page(answer)

        for answer in paginate(fetch, next_after, crm=CRM, what="contacts", start=resume_after):
            records, incomplete = self._raw_from_list(answer.results)
            yield records, next_after(answer), incomplete, None

    def _raw_from_list(
        self, results: Sequence[raw.HubSpotRecord]
    ) -> tuple[list[RawRecord], dict[str, list[str]]]:
        """Records with their inline associations; per type, the ids whose list HubSpot paged,
        to complete through the v4 batch read."""
        records: list[RawRecord] = []
        incomplete: dict[str, list[str]] = {}
        for result in results:
            linked: dict[str, list[Association]] = {}
            for key, collection in result.associations.items():
                object_type = self._association_key(key)
                if object_type is None:
                    continue
                linked[object_type] = merge_primary(
                    [
                        Association(item.id, item.type in PRIMARY_TYPE_NAMES)
                        for item in collection.results
                    ]
                )
                if collection.more:
                    incomplete.setdefault(object_type, []).append(result.id)
            records.append(RawRecord(result.id, result.properties, linked, result.updated_at))
        return records, incomplete

    def _association_key(self, key: str) -> str | None:
        key = key.lower()
        for object_type in self.association_types:
            if key in (object_type, object_type.rstrip("s"), object_type[:-3] + "y"):
                return object_type
        return None

    # ---- incremental read -------------------------------------------------------------------
    @property
    def _overlap(self) -> timedelta:
        return timedelta(seconds=self.settings.incremental_overlap_seconds)

    def _window(self, since: datetime) -> list[dict[str, Any]]:
        return [where(self.modified, "GTE", str(to_ms(since - self._overlap)))]

    def _search_pages(
        self, since: datetime, resume_after: str | None, until_ms: int, yielded: set[str]
    ) -> Iterator[_RawPage]:
        """Contacts whose own record changed, minus the connector's own echo; its modified
        dates still count towards the page's newest, so the watermark moves past it."""
        low = to_ms(since - self._overlap)
        for results, cursor, top in search_since(
            self.client,
            "contacts",
            modified=self.modified,
            properties=self.properties,
            low_ms=low,
            until_ms=until_ms,
            resume_after=resume_after,
        ):
            kept = results
            if self.echo is not None:
                kept = [r for r in results if not self.echo.is_echo(r.properties or {})]
                self.echo.dropped += len(results) - len(kept)
            if self.known is not None:
                # Not `yielded`: an engagement change after the kept read still brings them.
                known = self.known
                kept = [
                    r
                    for r in kept
                    if not known.covers(
                        str(r.id),
                        moment((r.properties or {}).get(self.modified) or r.updated_at),
                        self._overlap,
                    )
                ]
            yielded.update(str(r.id) for r in kept)
            yield self._unlinked(kept), cursor, None, top

    def _engagement_pages(
        self, since: datetime, until_ms: int, yielded: set[str]
    ) -> Iterator[_RawPage]:
        """Contacts whose engagement objects changed in the same window, unless already read;
        each page's newest date is the objects' newest, so the watermark moves past them."""
        if self.changes is None:
            return
        low = to_ms(since - self._overlap)
        for contact_ids, top in self.changes.contact_ids(low, until_ms):
            wanted = [i for i in contact_ids if i not in yielded]
            if self.known is not None:
                # The page's newest object stamp bounds each object's.
                stamp = datetime.fromtimestamp(top / 1000, tz=UTC) if top is not None else None
                known = self.known
                wanted = [i for i in wanted if not known.covers(i, stamp, self._overlap)]
            yielded.update(wanted)
            found = batch_read(self.client, "contacts", wanted, self.properties) if wanted else {}
            yield self._unlinked(list(found.values())), None, None, top

    @staticmethod
    def _unlinked(results: Sequence[raw.HubSpotRecord]) -> list[RawRecord]:
        """Records read without their associations (search, batch read): `_pages` reads them."""
        return [RawRecord(r.id, dict(r.properties), {}, r.updated_at) for r in results]

    # ---- pages --------------------------------------------------------------------------------
    def _read_ahead(self, raw: Iterator[_RawPage]) -> Iterator[ContactPage]:
        """Pages as HubSpot returned them, their associated records fetched for
        `read_ahead_records` contacts at a time (a page of 100 names some 25 companies: batch
        reads page by page go out a quarter full). Each page keeps its own cursor."""
        group: list[_RawPage] = []
        size = 0
        for item in raw:
            group.append(item)
            size += len(item[0])
            if size >= self.settings.read_ahead_records:
                yield from self._pages(group)
                group, size = [], 0
        if group:
            yield from self._pages(group)

    def _pages(self, group: list[_RawPage]) -> list[ContactPage]:
        """Associations (unless the read brought them), companies, deals and engagement
        objects of a group of pages in bulk, then translation page by page."""
        everything = [record for records, _, _, _ in group for record in records]
        to_fetch: dict[str, list[str]] = {}
        for records, _, incomplete, _ in group:
            wanted = (
                {object_type: [r.id for r in records] for object_type in self.association_types}
                if incomplete is None
                else incomplete
            )
            for object_type, ids in wanted.items():
                to_fetch.setdefault(object_type, []).extend(ids)
        for object_type, wanted_ids in to_fetch.items():
            if not wanted_ids:
                continue
            linked = read_associations(self.client, "contacts", object_type, wanted_ids)
            asked = set(wanted_ids)
            for record in everything:
                if record.id in asked:
                    record.associations[object_type] = merge_primary(linked.get(record.id, []))
        company_of = {record.id: self._company_id(record) for record in everything}
        companies = self._companies_by_id([c for c in company_of.values() if c])
        deals = self._deals_by_id(
            [a.to_id for record in everything for a in record.associations.get("deals", [])]
        )
        inputs = {
            record.id: inputs_from_record(
                record.properties,
                self.engagement_names,
                record.associations,
                self.engagement_objects,
            )
            for record in everything
        }
        if self.prefetch is not None:
            self.prefetch(inputs.values())
        return [
            self._page(records, cursor, inputs, company_of, companies, deals, covered)
            for records, cursor, _, covered in group
        ]

    def _page(
        self,
        records: list[RawRecord],
        cursor: str | None,
        inputs: dict[str, EngagementInputs],
        company_of: dict[str, str | None],
        companies: dict[str, Company | RecordDataError],
        deals: dict[str, Deal],
        covered_ms: int | None = None,
    ) -> ContactPage:
        page = ContactPage(cursor=cursor)
        newest = datetime.fromtimestamp(covered_ms / 1000, tz=UTC) if covered_ms else None
        for record in records:
            if self.echo is not None:
                self.echo.remember(record.id, record.properties)
            newest = latest_of(newest, self._updated(record))
            self.cache.put(record.id, inputs[record.id])
            company_id = company_of[record.id]
            company = companies.get(company_id) if company_id else None
            if isinstance(company, RecordDataError):
                page.skipped.append(_skip(record.id, company, prefix=f"company {company_id}: "))
                continue
            try:
                page.contacts.append(
                    self.translator.to_contact(
                        record.id,
                        record.properties,
                        company=company,
                        deals=[
                            deals[a.to_id]
                            for a in record.associations.get("deals", [])
                            if a.to_id in deals
                        ],
                    )
                )
            except RecordDataError as problem:
                page.skipped.append(_skip(record.id, problem))
        page.max_updated_at = newest
        log.debug(
            "hubspot contacts page: %d read, %d skipped, cursor %s",
            len(page.contacts),
            len(page.skipped),
            cursor,
        )
        return page

    def _updated(self, record: RawRecord) -> datetime | None:
        return moment(record.properties.get(self.modified) or record.updated_at)

    @staticmethod
    def _company_id(record: RawRecord) -> str | None:
        linked = record.associations.get("companies", [])
        if not linked:
            return None
        primary = [a.to_id for a in linked if a.primary]
        candidates = primary or [a.to_id for a in linked]
        return min(candidates, key=lambda value: (len(value), value))

    def _companies_by_id(self, ids: list[str]) -> dict[str, Company | RecordDataError]:
        out, missing = self._companies.split(ids)
        if missing and self.company_properties:
            for company_id, record in batch_read(
                self.client, "companies", missing, self.company_properties
            ).items():
                try:
                    company: Company | RecordDataError = self.translator.to_company(
                        company_id, record.properties or {}
                    )
                except RecordDataError as problem:
                    company = problem
                self._companies.put(company_id, company)
                out[company_id] = company
        elif missing:
            for company_id in missing:
                out[company_id] = Company(id=company_id)
        return out

    def _deals_by_id(self, ids: list[str]) -> dict[str, Deal]:
        out, missing = self._deals.split(ids)
        if missing:
            for deal_id, record in batch_read(
                self.client, "deals", missing, DEAL_PROPERTIES
            ).items():
                deal = self._deal(deal_id, record.properties or {})
                self._deals.put(deal_id, deal)
                out[deal_id] = deal
        return out

    def _deal(self, deal_id: str, props: dict[str, Any]) -> Deal:
        stage = str(props.get("dealstage") or "").strip().casefold()
        won = {value.casefold() for value in self.mapping.deals.won_stages}
        lost = {value.casefold() for value in self.mapping.deals.lost_stages}
        status = (
            DealStatus.WON
            if stage in won
            else DealStatus.LOST
            if stage in lost
            else DealStatus.OPEN
        )
        amount, closed = number(props.get("amount")), moment(props.get("closedate"))
        return Deal(id=deal_id, status=status, amount=amount, closed_at=closed)


def _skip(record_id: str, problem: RecordDataError, prefix: str = "") -> RecordError:
    return RecordError(
        record_id=record_id,
        message=f"{prefix}{problem.field} ({problem.crm_field}) {problem.reason}",
        code="UNUSABLE_VALUE",
        field=problem.crm_field,
    )


def list_owners(client: HubSpotClient) -> list[Owner]:
    """Active owners, then archived ones (as inactive), so routing can tell them apart."""
    owners: list[Owner] = []
    for archived in (False, True):

        def fetch(after: str | None, archived: bool = archived) -> Any:
            return client.send(
                endpoints.OWNERS,
                lambda timeout: client.owners.get_page_with_http_info(
                    limit=client.settings.owners_page_size,
                    after=after,
                    archived=archived,
                    _request_timeout=timeout,
                ),
                action="list owners",
                records=lambda data: len(data.results or []),
            )

        for answer in paginate(fetch, next_after, crm=CRM, what="owners"):
            for owner in answer.results or []:
                name = " ".join(part for part in (owner.first_name, owner.last_name) if part)
                owners.append(
                    Owner(
                        id=str(owner.id),
                        name=name or None,
                        email=owner.email or None,
                        active=not (archived or owner.archived),
                    )
                )
    return owners
