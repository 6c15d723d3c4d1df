"""Reading people: unconverted Leads and Contacts, with their company (the Contact's Account;
the Lead's own firmographics, or the Account named as the Lead's Company), opportunities
(through OpportunityContactRole) and e-mail flags. Ids keep their key prefix (00Q Lead, 003
Contact), so an id tells its object.

Reads are incremental on SystemModstamp with an overlap window; `bulk_threshold` records or more
(by SELECT COUNT(), or the counts a backfill's progress bar just made) go through Bulk API 2.0,
fewer through REST pages; each page carries a cursor to resume after it. An incremental read
also yields the people whose engagement changed (changes.py), each person once, and leaves out
records the integration user changed last (`skip_own_writes`): the connector's writes move
SystemModstamp, so each sync would re-read what the last one wrote. The cost: an edit made
between the connector's read and write of a record is hidden until the person's next change
(one page's decide-and-write in a sync, the write buffer's wait in a backfill); another tool
sharing the integration user is hidden too, hence the setting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from connector.adapters.base import ContactPage, KnownDecisions, RecordError
from connector.adapters.errors import CrmRequestError
from connector.adapters.kit import paginate
from connector.adapters.kit.values import boolean, latest_of, moment, number
from connector.adapters.salesforce import query as soql
from connector.adapters.salesforce.changes import EngagementChanges
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.deletions import DeletedPeople
from connector.adapters.salesforce.failures import CRM
from connector.adapters.salesforce.flags import FlagCache, flag_engagements, flag_fields
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.domain.contact import Company, Contact, Deal, DealStatus, Owner
from connector.mapping.crm_schema import (
    CompanyField,
    ContactField,
    PersonMapping,
    SalesforceMapping,
)
from connector.mapping.translate import PersonTranslator, RecordDataError

KEY_PREFIXES = {"Lead": "00Q", "Contact": "003"}
MODSTAMP = "SystemModstamp"
CREATED = "CreatedDate"
QUEUE_PREFIX = "00G"  # Group: a queue can own Leads
NOT_PROVIDED = "[not provided]"  # what Web-to-Lead stores when a form asks no company


ACCOUNT_NAME_LENGTH = 255  # Account.Name (describe: string, length 255)


def _looks_like_id(text: str) -> bool:
    """A 15- or 18-character Salesforce id (comparing a non-id with Id is a query error)."""
    return len(text) in (15, 18) and text.isalnum()


def object_of(record_id: str) -> str | None:
    """Lead or Contact, from the id's key prefix."""
    prefix = record_id[:3]
    return next((name for name, key in KEY_PREFIXES.items() if key == prefix), None)


def unknown_object(record_id: str) -> RecordError:
    return RecordError(
        record_id=record_id,
        code="UNKNOWN_OBJECT",
        message="the id is neither a Lead (00Q) nor a Contact (003)",
    )


def relationship_of(reference_field: str) -> str:
    """The SOQL relationship name of a lookup field: AccountId -> Account, X__c -> X__r."""
    if reference_field.endswith("__c"):
        return reference_field[:-3] + "__r"
    if reference_field.endswith("Id"):
        return reference_field[:-2]
    return reference_field


class ReadCursor(BaseModel):
    """Where a read resumes: after an Id (REST, ordered by Id) or at a Bulk job's locator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    object: str
    mode: Literal["rest", "bulk", "done"]
    after: str | None = None
    job: str | None = None
    locator: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> ReadCursor | None:
        if not text:
            return None
        try:
            return cls.model_validate_json(text)
        except ValidationError:
            raise CrmRequestError(
                f"The resume cursor {text[:80]!r} is not one the Salesforce adapter wrote; "
                "start the read again without it."
            ) from None


@dataclass(frozen=True)
class PersonSource:
    """One object that holds people, with what it takes to read it."""

    mapping: PersonMapping
    translator: PersonTranslator
    where: str  # a format_soql template of the object's own filter
    account_reference: str | None  # the lookup to Account (Contact.AccountId)

    @property
    def name(self) -> str:
        return self.mapping.object


@lru_cache(maxsize=4096)  # a page's people share their companies' websites
def website_domain(website: str | None) -> str | None:
    """`https://www.acme.com/about` -> `acme.com`: Salesforce keeps a URL where others keep
    the bare domain."""
    if not website:
        return None
    text = website.strip()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.lower().removeprefix("www.")
    return host or None


def _company_name(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if not text or text.lower() == NOT_PROVIDED else text


class PersonReader:
    def __init__(
        self,
        client: SalesforceClient,
        mapping: SalesforceMapping,
        settings: SalesforceSettings,
        flags: FlagCache,
    ) -> None:
        self.client = client
        self.mapping = mapping
        self.settings = settings
        self.flags = flags
        account_fields = dict(mapping.account)
        self.lead = PersonSource(
            mapping.lead,
            PersonTranslator(mapping.lead, settings.lead_company_fields),
            "IsConverted = false",
            None,
        )
        self.contact = PersonSource(
            mapping.contact,
            PersonTranslator(mapping.contact, account_fields),
            "",
            mapping.contact.fields.get(ContactField.COMPANY_ID),
        )
        self.account_translator = PersonTranslator(mapping.contact, account_fields)
        self.sources = (self.lead, self.contact)
        #: Counts made by `total` for the read that follows it: (object, since) -> records.
        self._counted: dict[tuple[str, datetime | None], int] = {}
        self.changes = (
            EngagementChanges(client, mapping, settings) if settings.engagement_changes else None
        )
        self.deletions = DeletedPeople(client, settings, [source.name for source in self.sources])
        #: People a failed sync's kept journal already decided (set by the engine for a sync):
        #: listed, but not completed and translated again unless changed after its reads began.
        self.known: KnownDecisions | None = None

    def owner_field(self, object_name: str) -> str | None:
        source = next((s for s in self.sources if s.name == object_name), None)
        return source.mapping.fields.get(ContactField.OWNER_ID) if source else None

    # --- queries ---

    def fields(self, source: PersonSource) -> list[str]:
        names = ["Id", *source.translator.read_fields(), MODSTAMP, CREATED]
        names += flag_fields(self.mapping.engagement.flags)
        if source.account_reference:
            relationship = relationship_of(source.account_reference)
            names += [f"{relationship}.{field}" for field in self.mapping.account.values()]
        else:
            names += list(self.settings.lead_company_fields.values())
        return soql.unique(names)

    def _where(self, source: PersonSource, since: datetime | None) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        values: dict[str, Any] = {}
        if source.where:
            clauses.append(source.where)
        if since is not None:
            clauses.append("SystemModstamp >= {since}")
            values["since"] = since - timedelta(seconds=self.settings.overlap_seconds)
            me = self.client.identity() if self.settings.skip_own_writes else None
            if me:
                clauses.append("LastModifiedById != {me}")
                values["me"] = me
        return " AND ".join(clauses), values

    def count(self, source: PersonSource, since: datetime | None) -> int:
        where, values = self._where(source, since)
        return self.client.count(
            soql.count(source.name, where, **values), action=f"count {source.name} records"
        )

    def total(self, since: datetime | None) -> int:
        """People of both objects changed since `since`, counted now; each count is kept for
        the next read of the same `since` to decide Bulk or REST on (a backfill counts for its
        progress bar right before it reads), instead of a second COUNT() per object."""
        self._counted = {(s.name, since): self.count(s, since) for s in self.sources}
        return sum(self._counted.values())

    def _counts_for(self, since: datetime | None) -> dict[str, int]:
        """The counts `total` made for this `since`, taken once (never older than the read)."""
        counted, self._counted = self._counted, {}
        return {name: count for (name, when), count in counted.items() if when == since}

    # --- pages ---

    def pages(self, since: datetime | None, resume_after: str | None) -> Iterator[ContactPage]:
        cursor = ReadCursor.parse(resume_after)
        names = [source.name for source in self.sources]
        if cursor is not None and cursor.object not in names:
            raise CrmRequestError(f"The resume cursor names an unknown object {cursor.object}.")
        counted = self._counts_for(since)
        if since is not None and cursor is None:
            # A deletion moves no query's stamp: getDeleted names the people the org deleted
            # since the watermark, on a page of their own after the changed people.
            deleted = self.deletions.since(since)
            if self.changes is not None:
                yield from self._changed_pages(since, counted)
            else:
                for source in self.sources:
                    yield from self._source_pages(source, since, None, counted.get(source.name))
            if deleted:
                yield ContactPage(deleted=deleted)
            return
        for index, source in enumerate(self.sources):
            if cursor is not None and names.index(cursor.object) > index:
                continue
            own = cursor if cursor is not None and cursor.object == source.name else None
            yield from self._source_pages(source, since, own, counted.get(source.name))

    def _changed_pages(self, since: datetime, counted: dict[str, int]) -> Iterator[ContactPage]:
        """People changed since `since`, then those whose engagement changed and who were not
        among them, by id; the engagement's latest stamp rides on the last page (an empty one
        if nobody was left), so the watermark passes engagement that brought nobody new."""
        engaged = self.changes.since(since) if self.changes is not None else None
        pending = engaged.ids if engaged is not None else {}
        for source in self.sources:
            for page in self._source_pages(source, since, None, counted.get(source.name)):
                for contact in page.contacts:
                    pending.pop(contact.id, None)
                for skipped in page.skipped:
                    pending.pop(skipped.record_id, None)
                yield page
        latest = engaged.latest if engaged is not None else None
        if self.known is not None and engaged is not None:
            known, engaged_at = self.known, engaged.stamps
            overlap = timedelta(seconds=self.settings.overlap_seconds)
            pending = {i: None for i in pending if not known.covers(i, engaged_at.get(i), overlap)}
        last: ContactPage | None = None
        pages = (
            page
            for source in self.sources
            for page in self._source_by_id(
                source,
                [i for i in pending if object_of(i) == source.name],
                f"read {source.name} records with changed engagement",
            )
        )
        for page in pages:
            if last is not None:
                yield last
            last = page
        if last is None:
            if latest is None:
                return
            done = ReadCursor(object=self.contact.name, mode="done")
            last = ContactPage(cursor=done.model_dump_json(exclude_none=True))
        yield last.model_copy(update={"max_updated_at": latest_of(last.max_updated_at, latest)})

    def _rows(self, query: str, action: str) -> Iterator[list[dict[str, Any]]]:
        """A query's pages as flattened rows; the raw records are dropped (see `_released`)."""
        for records in self.client.query_pages(query, action=action):
            rows = [soql.flatten(record) for record in records]
            del records
            yield rows

    def _source_by_id(
        self, source: PersonSource, ids: list[str], action: str, order: str = ""
    ) -> Iterator[ContactPage]:
        """Pages of these people of one object, with the read's fields and filter (a converted
        Lead is not a person any more), in as few `Id IN (...)` queries as the URL allows."""
        match = f"{source.where} AND Id IN {{ids}}" if source.where else "Id IN {ids}"
        fields = self.fields(source)

        def build(chunk: list[str]) -> str:
            return soql.select(source.name, fields, match, order, ids=chunk)

        done = ReadCursor(object=source.name, mode="done")
        for query in self.client.queries_for(ids, build):
            for rows in self._rows(query, action):
                if rows:
                    yield _released(self._page(source, rows, done), rows)

    def find(self, key: str) -> ContactPage:
        """People of either object whose Id or e-mail address is `key` (escaped as any value)."""
        found = ContactPage()
        for source in self.sources:
            email = source.mapping.fields.get(ContactField.EMAIL, "Email")
            match = "{email:literal} = {key}"
            if _looks_like_id(key):
                match = f"(Id = {{key}} OR {match})"
            where = f"{source.where} AND {match}" if source.where else match
            query = soql.select(source.name, self.fields(source), where, key=key, email=email)
            for rows in self._rows(query, f"find {source.name} record"):
                page = self._page(source, rows, ReadCursor(object=source.name, mode="done"))
                found.contacts += page.contacts
                found.skipped += page.skipped
        return found

    def by_ids(self, contact_ids: Sequence[str]) -> ContactPage:
        """These people by id, each translated as a read page is; ids no longer held are
        absent, ids of neither object skipped with the reason."""
        wanted = list(dict.fromkeys(str(contact_id) for contact_id in contact_ids))
        found = ContactPage(skipped=[unknown_object(i) for i in wanted if object_of(i) is None])
        for source in self.sources:
            ids = [i for i in wanted if object_of(i) == source.name]
            action = f"read {source.name} records by id"
            for page in self._source_by_id(source, ids, action, "Id"):
                found.contacts += page.contacts
                found.skipped += page.skipped
                found.max_updated_at = latest_of(found.max_updated_at, page.max_updated_at)
        return found

    def current(self, contact_ids: Sequence[str]) -> dict[str, Contact]:
        """The people's own fields as Salesforce holds them now: the translated fields only (no
        Account, opportunity or activity), one query per URL-sized chunk; untranslatable
        records are absent."""
        wanted = list(dict.fromkeys(str(contact_id) for contact_id in contact_ids))
        current: dict[str, Contact] = {}
        for source in self.sources:
            ids = [i for i in wanted if object_of(i) == source.name]
            fields = soql.unique(["Id", *source.translator.read_fields()])

            def build(
                chunk: list[str], source: PersonSource = source, fields: list[str] = fields
            ) -> str:
                return soql.select(source.name, fields, "Id IN {ids}", "Id", ids=chunk)

            action = f"re-read {source.name} records before writing"
            for row in self.client.rows_in(ids, build, action=action):
                record_id = str(row["Id"])
                try:
                    contact = source.translator.to_contact(record_id, row, None, ())
                except RecordDataError:
                    continue
                current[record_id] = self._owned(contact)
        return current

    def _source_pages(
        self,
        source: PersonSource,
        since: datetime | None,
        cursor: ReadCursor | None,
        counted: int | None = None,
    ) -> Iterator[ContactPage]:
        """One object's pages: resumed where the cursor says, else through Bulk API 2.0 when
        it holds `bulk_threshold` records or more (`counted` by the caller, or here)."""
        if cursor is not None and cursor.mode == "done":
            return
        if cursor is not None and cursor.mode == "bulk" and cursor.job:
            yield from self._bulk_pages(source, cursor.job, cursor.locator or "")
            return
        if cursor is None:
            size = counted if counted is not None else self.count(source, since)
            if size == 0:
                # A quiet sync costs its COUNT() alone; a record committed after the count is
                # left to the next read, which the overlap window keeps the watermark behind.
                return
            if size >= self.settings.bulk_threshold:
                where, values = self._where(source, since)
                query = soql.select(source.name, self.fields(source), where, **values)
                job = self.client.bulk_start(
                    source.name, query, action=f"read {source.name} records"
                )
                yield from self._bulk_pages(source, job, "")
                return
        yield from self._rest_pages(source, since, cursor.after if cursor else None)

    def _rest_pages(
        self, source: PersonSource, since: datetime | None, after: str | None
    ) -> Iterator[ContactPage]:
        where, values = self._where(source, since)
        if after:
            where = f"{where} AND Id > {{after}}" if where else "Id > {after}"
            values["after"] = after
        query = soql.select(source.name, self.fields(source), where, "Id", **values)
        for rows in self._rows(query, f"read {source.name} records"):
            last = str(rows[-1]["Id"]) if rows else after
            cursor = ReadCursor(object=source.name, mode="rest", after=last)
            yield _released(self._page(source, rows, cursor, listed=since is not None), rows)

    def _bulk_pages(self, source: PersonSource, job: str, locator: str) -> Iterator[ContactPage]:
        action = f"read {source.name} records"

        def fetch(at: str | None) -> tuple[list[dict[str, Any]], str]:
            return self.client.bulk_page(source.name, job, at or "", action=action)

        pages = paginate(
            fetch,
            lambda page: page[1] or None,
            crm=CRM,
            what="Bulk API locator",
            start=locator or None,
        )
        for rows, following in pages:
            if following:
                cursor = ReadCursor(object=source.name, mode="bulk", job=job, locator=following)
            else:
                cursor = ReadCursor(object=source.name, mode="done")
            yield _released(self._page(source, rows, cursor, listed=True), rows)

    # --- translation ---

    def _page(
        self,
        source: PersonSource,
        rows: list[dict[str, Any]],
        cursor: ReadCursor,
        *,
        listed: bool = False,
    ) -> ContactPage:
        """Translate rows with their companies, opportunities and flags. Rows `listed` by a
        read by stamp that a kept decision covers (`known`) are left out before anything is
        fetched for them; their stamps still count towards the page's newest."""
        latest: datetime | None = None
        if listed and self.known is not None:
            known, fresh = self.known, []
            overlap = timedelta(seconds=self.settings.overlap_seconds)
            for row in rows:
                stamp = moment(row.get(MODSTAMP))
                if known.covers(str(row["Id"]), stamp, overlap):
                    latest = latest_of(latest, stamp)
                else:
                    fresh.append(row)
            rows = fresh
        if source.account_reference is None:
            companies = self._lead_companies(source, rows)
            deals: dict[str, list[Deal]] = {}
        else:
            companies = self._account_companies(source, rows)
            deals = self._deals([str(row["Id"]) for row in rows])
        contacts: list[Contact] = []
        skipped: list[RecordError] = []
        for row in rows:
            record_id = str(row["Id"])
            try:
                company = companies.get(record_id)
                if isinstance(company, RecordDataError):
                    raise company
                contact = source.translator.to_contact(
                    record_id, row, company, deals.get(record_id, ())
                )
            except RecordDataError as exc:
                skipped.append(
                    RecordError(
                        record_id=record_id,
                        message=str(exc),
                        code="UNUSABLE_VALUE",
                        field=exc.crm_field,
                    )
                )
                continue
            contacts.append(self._owned(contact))
            self.flags.put(
                record_id,
                flag_engagements(
                    record_id, row, self.mapping.engagement.flags, moment(row.get(CREATED))
                ),
            )
            latest = latest_of(latest, moment(row.get(MODSTAMP)))
        return ContactPage(
            contacts=contacts,
            skipped=skipped,
            cursor=cursor.model_dump_json(exclude_none=True),
            max_updated_at=latest,
        )

    # --- owners that mean "nobody yet" ---

    def _unassigned(self, owner_id: str | None) -> bool:
        if not owner_id:
            return True
        settings = self.settings
        if settings.queues_are_unassigned and owner_id.startswith(QUEUE_PREFIX):
            return True
        nobody = {i[:15] for i in settings.unassigned_owner_ids}
        if settings.integration_user_is_unassigned and self.client.user_id:
            nobody.add(self.client.user_id[:15])
        return owner_id[:15] in nobody

    def _owned(self, contact: Contact) -> Contact:
        """The contact with placeholder owners (queue, API user, default owner) read as None."""
        update: dict[str, Any] = {}
        if contact.owner_id and self._unassigned(contact.owner_id):
            update["owner_id"] = None
        company = contact.company
        if company is not None and company.owner_id and self._unassigned(company.owner_id):
            update["company"] = company.model_copy(update={"owner_id": None})
        return contact.model_copy(update=update) if update else contact

    def _account_companies(
        self, source: PersonSource, rows: list[dict[str, Any]]
    ) -> dict[str, Company | RecordDataError]:
        """Each person's Account, made once per Account of the page: its fields are the same
        in every row of one query answer, and a company is a frozen value."""
        assert source.account_reference is not None
        relationship = relationship_of(source.account_reference)
        made: dict[str, Company | RecordDataError] = {}
        out: dict[str, Company | RecordDataError] = {}
        for row in rows:
            account_id = str(row.get(source.account_reference) or "")
            if account_id and account_id not in made:
                try:
                    made[account_id] = _normalised(
                        source.translator.to_company(account_id, _parent(row, relationship))
                    )
                except RecordDataError as exc:
                    made[account_id] = exc
            if account_id:
                out[str(row["Id"])] = made[account_id]
        return out

    def _lead_companies(
        self, source: PersonSource, rows: list[dict[str, Any]]
    ) -> dict[str, Company | RecordDataError]:
        name_field = self.settings.lead_company_fields.get(CompanyField.NAME)
        matches = (
            self._accounts_named(
                [_company_name(row.get(name_field)) or "" for row in rows if name_field]
            )
            if self.settings.match_leads_to_accounts and name_field
            else {}
        )
        out: dict[str, Company | RecordDataError] = {}
        for row in rows:
            record_id = str(row["Id"])
            try:
                own = _normalised(source.translator.to_company(f"lead:{record_id}", row))
            except RecordDataError as exc:
                out[record_id] = exc
                continue
            if own.name is not None and _company_name(own.name) != own.name:
                own = own.model_copy(update={"name": _company_name(own.name)})
            matched = matches.get((own.name or "").casefold()) if own.name else None
            if matched is not None:
                # The Account wins where it knows something; the Lead fills the gaps.
                known = {k: v for k, v in matched.model_dump().items() if v is not None}
                own = own.model_copy(update=known)
            # The Lead's address is the person's: without a name or firmographics there is no
            # company to speak of, only a form that asked none of it.
            if any(
                value is not None
                for value in (own.name, own.domain, own.employees, own.annual_revenue)
            ):
                out[record_id] = own
        return out

    def _accounts_named(self, names: Sequence[str]) -> dict[str, Company]:
        """Accounts whose Name equals one of `names` (case-insensitively, as SOQL compares);
        a name two Accounts share matches neither: guessing would misroute the lead. A name
        longer than Account.Name matches nothing and could outgrow the URL (HTTP 414)."""
        wanted = sorted(
            {name for name in names if name and len(name) <= ACCOUNT_NAME_LENGTH}, key=str.casefold
        )
        if not wanted:
            return {}
        account_fields = soql.unique(["Id", "Name", *self.mapping.account.values()])
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)

        def build(chunk: list[str]) -> str:
            return soql.select("Account", account_fields, "Name IN {names}", names=chunk)

        for row in self.client.rows_in(wanted, build, action="match Leads to Accounts"):
            found[str(row.get("Name") or "").casefold()].append(row)
        out: dict[str, Company] = {}
        for key, rows in found.items():
            if len(rows) != 1:
                continue
            try:
                out[key] = _normalised(
                    self.account_translator.to_company(str(rows[0]["Id"]), rows[0])
                )
            except RecordDataError:
                continue
        return out

    def _deals(self, contact_ids: Sequence[str]) -> dict[str, list[Deal]]:
        """Opportunities of these Contacts through their contact roles, in bulk."""
        fields = [
            "ContactId",
            "OpportunityId",
            "Opportunity.IsClosed",
            "Opportunity.IsWon",
            "Opportunity.Amount",
            "Opportunity.CloseDate",
        ]

        def build(chunk: list[str]) -> str:
            return soql.select("OpportunityContactRole", fields, "ContactId IN {ids}", ids=chunk)

        out: dict[str, dict[str, Deal]] = defaultdict(dict)
        for row in self.client.rows_in(list(contact_ids), build, action="read opportunities"):
            deal = _deal(row)
            if deal is not None:
                out[str(row["ContactId"])][deal.id] = deal
        return {contact: list(deals.values()) for contact, deals in out.items()}

    # --- owners ---

    def owners(self) -> list[Owner]:
        query = soql.select(
            "User", ["Id", "Name", "Email", "IsActive"], "UserType = {kind}", "Id", kind="Standard"
        )
        return [
            Owner(
                id=str(row["Id"]),
                name=row.get("Name"),
                email=row.get("Email"),
                active=boolean(row.get("IsActive"), default=True),
            )
            for row in self.client.rows(query, action="list Salesforce users")
        ]


def _parent(row: Mapping[str, Any], relationship: str) -> dict[str, Any]:
    start = f"{relationship}."  # a flattened row's parent fields: `Account.Name` -> `Name`
    return {key[len(start) :]: value for key, value in row.items() if key.startswith(start)}


def _normalised(company: Company) -> Company:
    domain = website_domain(company.domain)
    return company if domain == company.domain else company.model_copy(update={"domain": domain})


def _deal(row: Mapping[str, Any]) -> Deal | None:
    opportunity_id = row.get("OpportunityId")
    if not opportunity_id:
        return None
    closed = boolean(row.get("Opportunity.IsClosed"))
    won = boolean(row.get("Opportunity.IsWon"))
    status = DealStatus.WON if won else DealStatus.LOST if closed else DealStatus.OPEN
    return Deal(
        id=str(opportunity_id),
        status=status,
        amount=number(row.get("Opportunity.Amount")),
        closed_at=moment(row.get("Opportunity.CloseDate")) if closed else None,
    )


def _released(page: ContactPage, rows: list[dict[str, Any]]) -> ContactPage:
    """`page`, with the rows it was made from emptied: a page generator's frame keeps its
    locals while the engine decides the page (2,000 people), and the rows would stay alive."""
    rows.clear()
    return page
