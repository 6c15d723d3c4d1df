"""Load `SeedData` into the emulated portal: owners, companies, then contacts with their deals,
meetings and calls, in seed order, with ids from the store's one growing sequence (the value
tables: catalogue.yaml `seeding`). Engagement kinds HubSpot keeps nowhere on a contact (webinar
and event attendance, chat) are not loaded.

Building a synthetic contact (~0.1 ms) dominates start-up at scale, so large synthetic seeds are
converted (`convert_contact`: pure, returning picklable `ContactRows`) in forked worker processes,
chunk by chunk, while this process assigns ids and associations in order (parallel and serial
seeding give identical portals). Only from a single-threaded process on Linux (forking beside
threads can deadlock, "spawn" would re-run `__main__`); elsewhere, or if a worker fails, seeding
runs (or resumes) serially.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from connector.domain.contact import Company, DealStatus, LeadSource, Owner
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.common.data import keyed
from connector.sandbox.hubspot.catalogue import (
    CALL_DISPOSITIONS,
    CALLS,
    COMPANIES,
    CONTACTS,
    DEALS,
    MEETINGS,
    ObjectType,
    dataset_property,
    seeding,
)
from connector.sandbox.hubspot.graph import labelled_type
from connector.sandbox.hubspot.state import CrmState, OwnerRecord
from connector.sandbox.hubspot.values import datetime_to_ms as _ms
from connector.sandbox.seed import SeedContact, SeedData, SeedSpec
from connector.sandbox.seed.dataset import DATASET_PROPERTIES
from connector.sandbox.seed.spec import opted_out

logger = logging.getLogger(__name__)

#: Below this many synthetic contacts, worker processes cost more than they save.
PARALLEL_THRESHOLD = 50_000
CHUNK = 5_000

#: Values that are (nearly) unique per record: sharing them would only cost a dict entry.
_UNIQUE_ISH = frozenset({"email", "phone", "dealname", "domain", "name", "hs_call_title"})


Values = dict[str, str | int | None]

#: First HubSpot owner id / user id handed out to seeded owners.
FIRST_OWNER_ID = 52_000_001
FIRST_USER_ID = 9_100_001

LIFECYCLE: dict[LifecycleStage, str] = keyed(LifecycleStage, seeding("lifecycle"))
LEAD_STATUS: dict[SalesStatus, str] = keyed(SalesStatus, seeding("lead_status"))
ANALYTICS_SOURCE: dict[LeadSource, str] = keyed(LeadSource, seeding("analytics_source"))
BUYING_ROLE: dict[str, str] = dict(seeding("buying_role"))
#: The seed's free-text industries (lower case) → HubSpot's company `industry` values.
INDUSTRY: dict[str, str] = dict(seeding("industry"))
#: Engagements HubSpot records as a conversion (a form submission on the contact).
CONVERSION_NAMES: dict[EngagementKind, list[str]] = keyed(EngagementKind, seeding("conversions"))
_OPEN_DEAL_STAGES: tuple[str, ...] = tuple(seeding("open_deal_stages"))
_CLOSED_DEAL_STAGES = {DealStatus.WON: "closedwon", DealStatus.LOST: "closedlost"}
#: Engagement kind -> the HubSpot counter it adds to and the "last" date property it moves.
_COUNTED: dict[EngagementKind, list[str]] = keyed(EngagementKind, seeding("counters"))


def _amount(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else repr(value)


def _stable(text: str) -> int:
    """A deterministic small hash (Python's `hash` is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


@dataclass
class ContactRows:
    """One seeded contact and its deals and activities as plain values (no ids yet)."""

    values: Values
    created: int
    updated: int
    company: Company | None  # the seed's company, mapped to a HubSpot id by the loader
    # (values, created, updated) of each
    deals: list[tuple[Values, int, int]] = field(default_factory=list)
    meetings: list[tuple[Values, int, int]] = field(default_factory=list)
    calls: list[tuple[Values, int, int]] = field(default_factory=list)


def owner_ids(owners: list[Owner]) -> dict[str, str]:
    """Seed owner id → HubSpot owner id as a property holds it (by position, so every process
    agrees)."""
    return {owner.id: str(FIRST_OWNER_ID + index) for index, owner in enumerate(owners)}


def convert_contact(item: SeedContact, owners: dict[str, str], now: datetime) -> ContactRows:
    contact, extra = item.contact, item.extra
    created = _ms(contact.created_at or now)
    updated = _ms(contact.updated_at or contact.created_at or now)
    owner = owners.get(contact.owner_id or "")
    company = contact.company
    values: Values = {
        "createdate": created,
        "email": contact.email,
        "firstname": contact.first_name,
        "lastname": contact.last_name,
        "jobtitle": contact.job_title,
        "hs_buying_role": BUYING_ROLE.get(contact.decision_role or ""),
        "country": contact.country,
        "state": contact.region,
        "city": extra.get("city"),
        "phone": extra.get("phone"),
        "company": company.name if company else None,
        # A person without a company may still have answered an industry question (the
        # dataset's specialization): HubSpot's contact `industry` then holds it in HubSpot's own
        # spelling, as Salesforce's seed puts it in Lead.Industry.
        "industry": company.industry
        if company
        else INDUSTRY.get((extra.get("industry") or "").lower()),
        "lifecyclestage": LIFECYCLE.get(contact.lifecycle_stage)
        if contact.lifecycle_stage
        else None,
        "hs_lead_status": LEAD_STATUS.get(contact.sales_status) if contact.sales_status else None,
        "hubspot_owner_id": owner,
        "hs_analytics_source": ANALYTICS_SOURCE.get(contact.source) if contact.source else None,
        **{f"bant_{key}": _bool(value) for key, value in contact.bant.model_dump().items()},
    }
    values.update(_activity_counters(item.engagements))
    if item.properties:
        values.update(_dataset_values(item, values))
    rows = ContactRows(values, created, updated, company)

    who = company.name if company and company.name else contact.last_name
    for index, deal in enumerate(contact.deals):
        opened = contact.created_at or now
        if deal.closed_at is not None:
            opened = min(max(opened, deal.closed_at - timedelta(days=45)), deal.closed_at)
        stage = (
            _CLOSED_DEAL_STAGES.get(deal.status)
            or _OPEN_DEAL_STAGES[_stable(deal.id) % len(_OPEN_DEAL_STAGES)]
        )
        close = deal.closed_at or (now + timedelta(days=15 + _stable(deal.id) % 60))
        deal_values: Values = {
            "createdate": _ms(opened),
            "dealname": f"{who or 'Deal'} - "
            + ("new business" if index == 0 else f"expansion {index}"),
            "amount": _amount(deal.amount),
            "dealstage": stage,
            "pipeline": "default",
            "closedate": _ms(close),
            "hubspot_owner_id": owner,
        }
        rows.deals.append((deal_values, _ms(opened), _ms(deal.closed_at or opened)))

    caller = " ".join(part for part in ("Call with", contact.first_name, contact.last_name) if part)
    for engagement in item.engagements:
        booked = _ms(engagement.occurred_at)
        if engagement.kind == EngagementKind.MEETING_BOOKED:
            start = engagement.occurred_at + timedelta(days=2)
            meeting: Values = {
                "hs_createdate": booked,
                "hs_timestamp": _ms(start),
                "hs_meeting_title": "Discovery call with " + (contact.first_name or "prospect"),
                "hs_meeting_start_time": _ms(start),
                "hs_meeting_end_time": _ms(start + timedelta(minutes=30)),
                "hs_meeting_outcome": "SCHEDULED" if start > now else "COMPLETED",
                "hubspot_owner_id": owner,
            }
            rows.meetings.append((meeting, booked, booked))
        elif engagement.kind == EngagementKind.CALL:
            outcome = "Connected" if _stable(engagement.source_id or "") % 3 else "Left voicemail"
            call: Values = {
                "hs_createdate": booked,
                "hs_timestamp": booked,
                "hs_call_title": caller,
                "hs_call_disposition": CALL_DISPOSITIONS[outcome],
                "hs_call_direction": "OUTBOUND",
                "hs_call_status": "COMPLETED",
                "hs_call_duration": "420000" if outcome == "Connected" else "45000",
                "hubspot_owner_id": owner,
            }
            rows.calls.append((call, booked, booked))
    return rows


@lru_cache(maxsize=2)
def _seed_for(spec_json: str) -> SeedData:
    return SeedData(SeedSpec.model_validate_json(spec_json))


def convert_range(spec_json: str, start: int, stop: int) -> list[ContactRows]:
    """Worker entry point: convert seed contacts `start`..`stop-1` (runs in a child process)."""
    data = _seed_for(spec_json)
    owners = owner_ids(data.owners)
    return [convert_contact(item, owners, data.spec.now) for item in data.contacts(start, stop)]


def _dataset_values(item: SeedContact, values: Values) -> Values:
    """The dataset's columns in their HubSpot properties, as HubSpot returns them (numbers and
    yes/no as strings). A standard property takes the file's value, or stays empty when the
    file has none (an imported contact HubSpot never tracked has no session count); the opt-out
    keeps what the engagement history set, written as "false" otherwise, since the file
    answers the question for every lead."""
    out: Values = {}
    for prop in DATASET_PROPERTIES:
        value = item.properties.get(prop.name)
        if prop.name == "do_not_email":
            out[prop.hubspot] = "true" if values.get(prop.hubspot) == "true" or value else "false"
        elif isinstance(value, bool):
            out[prop.hubspot] = _bool(value)
        elif isinstance(value, float):
            out[prop.hubspot] = _amount(value)
        elif value is not None:
            out[prop.hubspot] = str(value)
        elif prop.hubspot_standard:
            out[prop.hubspot] = None
    return out


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _activity_counters(engagements: list[Engagement]) -> Values:
    """HubSpot's web, e-mail and conversion counters from an engagement history."""
    counts = dict.fromkeys((counter for counter, _ in _COUNTED.values()), 0)
    last: dict[str, datetime | None] = dict.fromkeys(date for _, date in _COUNTED.values())
    conversions: list[tuple[datetime, str]] = []
    for engagement in engagements:
        kind, at = engagement.kind, engagement.occurred_at
        if kind in _COUNTED:
            counter, date = _COUNTED[kind]
            counts[counter] += engagement.quantity
            last[date] = max(at, last[date] or at)
        elif kind in CONVERSION_NAMES:
            named, unnamed = CONVERSION_NAMES[kind]
            detail = engagement.detail
            conversions.append((at, named.format(detail=detail) if detail else unnamed))
    conversions.sort(key=lambda item: item[0])
    # Every open, click or bounce follows a send, so the latest of them is the latest send the
    # history proves.
    emails = ("hs_email_last_send_date", "hs_email_last_open_date", "hs_email_last_click_date")
    last[emails[0]] = max((d for d in map(last.get, emails) if d), default=None)
    values: Values = {name: str(count) for name, count in counts.items()}
    values.update({name: _ms(at) if at else None for name, at in last.items()})
    values["hs_email_optout"] = "true" if opted_out(engagements) else None
    values["num_conversion_events"] = str(len(conversions))
    if conversions:
        values["first_conversion_date"] = _ms(conversions[0][0])
        values["first_conversion_event_name"] = conversions[0][1]
        values["recent_conversion_date"] = _ms(conversions[-1][0])
        values["recent_conversion_event_name"] = conversions[-1][1]
    return values


class Seeder:
    """Loads one `SeedData` into a store."""

    def __init__(self, crm: CrmState) -> None:
        self.store, self.graph, self.owners = crm.store, crm.graph, crm.owners
        self.company_ids: dict[str, int] = {}
        self._newest = 0
        # Most contact values repeat (countries, titles, stages): keep one string of each.
        self._strings: dict[str, str] = {}

    def load(self, data: SeedData) -> None:
        now_ms = _ms(data.spec.now)
        self._dataset_properties(data)
        self._owners(data, now_ms)
        owners = owner_ids(data.owners)
        for company in data.companies():
            self._company(company, owners, now_ms)
        for rows in self._contact_rows(data, owners):
            self._contact(rows, owners, now_ms)
        self.store.not_before(max(now_ms, self._newest))

    def _dataset_properties(self, data: SeedData) -> None:
        """Give the dataset's picklist properties (present in every emulated portal) the
        values the file holds as options, as an admin would before importing it."""
        registry = self.store.catalog[CONTACTS.name]
        for prop, values in data.picklist_options().items():
            existing = registry.get(prop.hubspot)
            if existing is None or existing.type != "enumeration":
                continue
            definition = dataset_property(
                prop.hubspot, prop.label, prop.type.value, existing.group_name, values
            )
            definition.display_order = existing.display_order
            registry.add(definition)

    def _contact_rows(self, data: SeedData, owners: dict[str, str]) -> Iterator[ContactRows]:
        count = data.contact_count or 0
        workers = os.cpu_count() or 1
        parallel = (
            data.spec.dataset is None
            and workers >= 2
            and count >= PARALLEL_THRESHOLD
            and sys.platform == "linux"
            and threading.active_count() == 1
        )
        done = 0
        if parallel:
            try:
                for rows in self._parallel_rows(data, count, workers):
                    yield rows
                    done += 1
                return
            except Exception:  # a broken worker: carry on in this process
                logger.warning("parallel seeding failed; continuing serially", exc_info=True)
        now = data.spec.now
        for item in data.contacts(done):
            yield convert_contact(item, owners, now)

    @staticmethod
    def _parallel_rows(data: SeedData, count: int, workers: int) -> Iterator[ContactRows]:
        spec = data.spec.model_dump_json()
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque[Future[list[ContactRows]]] = deque()
            for start in range(0, count, CHUNK):
                if len(pending) == 2 * workers:  # a window keeps memory flat
                    yield from pending.popleft().result()
                pending.append(pool.submit(convert_range, spec, start, min(start + CHUNK, count)))
            for future in pending:
                yield from future.result()

    def _owners(self, data: SeedData, now_ms: int) -> None:
        for index, owner in enumerate(data.owners):
            first, _, last = (owner.name or "").partition(" ")
            self.owners[FIRST_OWNER_ID + index] = OwnerRecord(
                id=FIRST_OWNER_ID + index,
                user_id=FIRST_USER_ID + index,
                email=owner.email,
                first_name=first or None,
                last_name=last or None,
                created_ms=now_ms - 400 * 86_400_000,
                updated_ms=now_ms - 30 * 86_400_000,
                archived=not owner.active,
            )

    def _company(self, company: Company, owners: dict[str, str], now_ms: int) -> int:
        """Its record id; a company first met on a contact (the seed did not list it) loads now."""
        if company.id in self.company_ids:
            return self.company_ids[company.id]
        created = now_ms - (400 + _stable(company.id) % 400) * 86_400_000
        values: Values = {
            "createdate": created,
            "name": company.name,
            "domain": company.domain,
            "industry": INDUSTRY.get((company.industry or "").lower()),
            "numberofemployees": str(company.employees) if company.employees is not None else None,
            "annualrevenue": _amount(company.annual_revenue),
            "country": company.country,
            "state": company.region,
            "hubspot_owner_id": owners.get(company.owner_id or ""),
        }
        record_id = self._record(COMPANIES, values, created, created)
        self.company_ids[company.id] = record_id
        return record_id

    def _contact(self, rows: ContactRows, owners: dict[str, str], now_ms: int) -> None:
        company_id = None if rows.company is None else self._company(rows.company, owners, now_ms)
        record_id = self._record(CONTACTS, rows.values, rows.created, rows.updated)
        self._newest = max(self._newest, rows.updated)
        if company_id is not None:
            self._link(CONTACTS, record_id, COMPANIES, company_id, primary=True)
        for kind, records in ((DEALS, rows.deals), (MEETINGS, rows.meetings), (CALLS, rows.calls)):
            for values, created, updated in records:
                related = self._record(kind, values, created, updated)
                self._link(kind, related, CONTACTS, record_id)
                if company_id is not None:  # a deal's company is its primary one
                    self._link(kind, related, COMPANIES, company_id, primary=kind is DEALS)

    def _record(self, object_type: ObjectType, values: Values, created: int, updated: int) -> int:
        table = self.store.table(object_type)
        record_id = self.store.next_id()
        row = table.append(record_id, created, updated)
        # Already-normalised values, skipping empty ones and unprovisioned properties.
        known = table.registry
        share = self._strings.setdefault
        table.fill(
            row,
            {
                name: share(value, value)
                if value.__class__ is str and name not in _UNIQUE_ISH
                else value
                for name, value in values.items()
                if value is not None and value != "" and name in known
            },
        )
        return record_id

    def _link(
        self,
        from_type: ObjectType,
        from_id: int,
        to_type: ObjectType,
        to_id: int,
        primary: bool = False,
    ) -> None:
        for label in (None, "Primary") if primary else (None,):
            kind = labelled_type(from_type, to_type, label)
            if kind is not None:
                self.graph.add(kind, from_id, to_id)
