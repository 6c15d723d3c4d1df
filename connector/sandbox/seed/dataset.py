"""Seed contacts from the public X Education lead history (x-education-leads.csv).

The file is streamed from wherever it lives (never copied into the package). It holds no names,
e-mail addresses or dates, so those are synthesised per row; every behavioural fact (visits, page
views, last activities, opt-outs, source, country, occupation) comes from the file, and every
other non-leaky column is carried as a typed property (`SeedContact.properties`).

Columns sales wrote after contact leak the outcome (`Tags`, `Lead Quality`, `Lead Profile`,
`Asymmetrique *`) and are never read. `Converted` goes to `extra["converted"]` for backtesting
only; with `SeedSpec.with_outcomes` it shapes the record as a CRM records an outcome: a converted
lead gets a closed-won deal after its last activity and the customer stage.

Where each non-leaky column lives in a CRM, as an admin who imported the file would hold it, is
data (dataset_properties.yaml): a standard property/field where one exists (HubSpot: sessions,
average page views, source drill-down, opt-out, city; Salesforce: HasOptedOutOfEmail, DoNotCall,
City), a custom one of its type otherwise (HubSpot `snake_case`, Salesforce `Title_Case__c`); the
file's id is `dataset_record_id` / `Dataset_Record_Id__c`; `Country` lands in the standard
country field; the leaky columns and `Converted` appear nowhere there.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from connector.domain.contact import Contact, Deal, DealStatus, LeadSource
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.properties import PropertyType, PropertyValue
from connector.domain.stages import LifecycleStage
from connector.sandbox.common.data import package_yaml
from connector.sandbox.seed import vocabulary as v
from connector.sandbox.seed.spec import (
    SeedContact,
    SeedDataError,
    SeedSpec,
    engagement_history,
    item_rng,
    slug,
)

#: HubSpot property group the custom dataset properties are created in.
HUBSPOT_GROUP = "dataset"


@dataclass(frozen=True)
class DatasetProperty:
    """One file column as a CRM property: the shared name the mapping files use, its type, and
    the property/field that holds it in each CRM (Salesforce: on Lead, and on Contact)."""

    column: str
    name: str
    type: PropertyType
    label: str
    hubspot: str
    salesforce_lead: str
    salesforce_contact: str
    hubspot_standard: bool = False
    salesforce_standard: bool = False


def _property(entry: dict[str, str]) -> DatasetProperty:
    name = entry["name"]
    custom = "_".join(part.capitalize() for part in name.split("_")) + "__c"
    lead = entry.get("salesforce", custom)
    return DatasetProperty(
        column=entry["column"],
        name=name,
        type=PropertyType(entry["type"]),
        label=entry["label"],
        hubspot=entry.get("hubspot", name),
        salesforce_lead=lead,
        salesforce_contact=entry.get("salesforce_contact", lead),
        hubspot_standard="hubspot" in entry,
        salesforce_standard="salesforce" in entry,
    )


DATASET_PROPERTIES: tuple[DatasetProperty, ...] = tuple(
    _property(entry) for entry in package_yaml("connector.sandbox.seed", "dataset_properties.yaml")
)
_DATA: dict[str, Any] = package_yaml("connector.sandbox.seed", "dataset.yaml")
#: Columns read to shape a contact. Anything else in the file is ignored.
USED_COLUMNS: tuple[str, ...] = tuple(_DATA["used_columns"])
#: Read only to be passed through as `extra["converted"]` for backtesting.
OUTCOME_COLUMN = "Converted"
#: Written by sales after contact: they leak the outcome and are never read.
LEAKING_COLUMNS: tuple[str, ...] = tuple(_DATA["leaking_columns"])
_REQUIRED = tuple(
    dict.fromkeys((*USED_COLUMNS, *(p.column for p in DATASET_PROPERTIES), OUTCOME_COLUMN))
)
_YES_NO = {"yes": True, "no": False}

_MISSING = {"", "select", "unknown", "nan"}

LEAD_SOURCES: dict[str, LeadSource] = {
    name: LeadSource(source) for name, source in _DATA["lead_sources"].items()
}
#: Last (Notable) Activity → engagement kind, or None for what is not the person's own doing.
ACTIVITIES: dict[str, EngagementKind | None] = {
    name: EngagementKind(kind) if kind else None for name, kind in _DATA["activities"].items()
}
#: Lead Origin values that mean the person filled in a form to become a lead.
FORM_ORIGINS: set[str] = set(_DATA["form_origins"])
#: occupation → (job title, seniority)
OCCUPATIONS: dict[str, tuple[str, str | None]] = {
    name: (title, seniority) for name, (title, seniority) in _DATA["occupations"].items()
}
#: Specialization → industry label (contact-level: HubSpot contact `industry`, Lead.Industry).
SPECIALIZATIONS: dict[str, str] = dict(_DATA["specializations"])
REGIONS: dict[str, str] = {
    **{country: region for country, region, *_ in v.COUNTRIES},
    **_DATA["regions"],
}


def _value(row: dict[str, str | None], column: str) -> str | None:
    text = (row.get(column) or "").strip()
    return None if text.lower() in _MISSING else text


class DatasetSeed:
    """Streams `SeedContact`s from the CSV; one per row, in file order."""

    def __init__(self, spec: SeedSpec, path: Path) -> None:
        self.spec = spec
        self.path = Path(path)
        if not self.path.is_file():
            raise SeedDataError(f"{self.path}: dataset file not found")

    def picklist_options(self) -> dict[DatasetProperty, tuple[str, ...]]:
        """The values each picklist property takes in the whole file, sorted: what an admin
        would list as the picklist's options before importing it ("Select" is no option)."""
        picklists = [p for p in DATASET_PROPERTIES if p.type == PropertyType.PICKLIST]
        seen: dict[DatasetProperty, set[str]] = {p: set() for p in picklists}
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                for prop in picklists:
                    value = _value(row, prop.column)
                    if value is not None:
                        seen[prop].add(value)
        return {prop: tuple(sorted(values)) for prop, values in seen.items()}

    def contacts(self, start: int = 0, stop: int | None = None) -> Iterator[SeedContact]:
        limit = self.spec.contacts or None
        end = limit if stop is None else (stop if limit is None else min(stop, limit))
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle, strict=True)
            missing = [name for name in _REQUIRED if name not in (reader.fieldnames or [])]
            if missing:
                raise SeedDataError(f"{self.path}:1: missing column(s): {', '.join(missing)}")
            first = max(start, 0)
            try:
                for index, row in enumerate(islice(reader, first, end), first):
                    yield self._build(row, index, reader.line_num)
            except csv.Error as exc:
                raise SeedDataError(f"{self.path}:{reader.line_num}: {exc}") from exc

    def _build(self, row: dict[str, str | None], index: int, line: int) -> SeedContact:
        if None in row or any(row.get(name) is None for name in _REQUIRED):
            raise SeedDataError(
                f"{self.path}:{line}: expected {len(row) - (None in row)} fields, "
                "found a different number (unquoted comma or truncated row?)"
            )
        try:
            return _RowBuilder(self.spec, row, index).build()
        except ValueError as exc:  # a bad cell, or pydantic validation of the domain types
            raise SeedDataError(f"{self.path}:{line}: {exc}") from exc


class _RowBuilder:
    def __init__(self, spec: SeedSpec, row: dict[str, str | None], index: int) -> None:
        self.spec = spec
        self.row = row
        self.index = index
        self.rng = item_rng(spec.seed, "dataset-row", index)

    def _number(self, column: str) -> float | None:
        text = _value(self.row, column)
        if text is None:
            return None
        try:
            number = float(text)
        except ValueError:
            raise SeedDataError(f"{column} {text!r} is not a number") from None
        if not math.isfinite(number) or number < 0:
            raise SeedDataError(f"{column} {text!r} is not a non-negative number")
        return number

    def build(self) -> SeedContact:
        row, rng, spec = self.row, self.rng, self.spec
        lead_number = _value(row, "Lead Number")
        if lead_number is None:
            raise SeedDataError("Lead Number is empty")
        contact_id = f"xedu-{lead_number}"

        first = rng.choice(v.FIRST_NAMES)
        last = rng.choice(v.LAST_NAMES)
        domain = rng.choice(v.FREE_MAIL_DOMAINS)
        # The lead number keeps addresses unique, as real people add digits to free-mail names.
        email = f"{slug(first)}.{slug(last)}{lead_number}@{domain}"

        raw_source = _value(row, "Lead Source")
        source = LEAD_SOURCES.get(raw_source.lower(), LeadSource.OTHER) if raw_source else None
        country = _value(row, "Country")
        region = REGIONS.get(country) if country else None
        if country == "Asia/Pacific Region":
            country = None
        occupation = _value(row, "What is your current occupation")
        title, seniority = (
            OCCUPATIONS.get(occupation.lower(), (occupation, None)) if occupation else (None, None)
        )

        age = timedelta(seconds=rng.uniform(86_400, spec.history_days * 86_400))
        created_at = (spec.now - age).replace(microsecond=0)
        engagements = self._engagements(contact_id, created_at)
        updated_at = max([created_at, *(e.occurred_at for e in engagements)])
        deals: tuple[Deal, ...] = ()
        stage = LifecycleStage.LEAD
        if spec.with_outcomes and _value(row, OUTCOME_COLUMN) == "1":
            # Sales closed the deal after the lead's last recorded activity, before `now`.
            closed_at = self._between(updated_at + timedelta(seconds=30), spec.now)
            won = Deal(id=f"{contact_id}-won", status=DealStatus.WON, closed_at=closed_at)
            stage, deals, updated_at = LifecycleStage.CUSTOMER, (won,), closed_at

        contact = Contact(
            id=contact_id,
            email=email,
            first_name=first,
            last_name=last,
            job_title=title,
            seniority=seniority,
            country=country,
            region=region,
            source=source,
            lifecycle_stage=stage,
            deals=deals,
            created_at=created_at,
            updated_at=updated_at,
        )
        return SeedContact(
            contact=contact,
            engagements=engagements,
            extra=self._extra(),
            properties=self._properties(),
        )

    def _properties(self) -> dict[str, PropertyValue]:
        """Every non-leaky column by its shared property name, parsed by the property's type;
        missing values ("Select", blank) are left out, as an import leaves the field empty."""
        found: dict[str, PropertyValue] = {}
        for prop in DATASET_PROPERTIES:
            if prop.type == PropertyType.NUMBER:
                number = self._number(prop.column)
                if number is not None:
                    found[prop.name] = number
                continue
            text = _value(self.row, prop.column)
            if text is None:
                continue
            if prop.type == PropertyType.BOOL:
                if text.lower() not in _YES_NO:
                    raise SeedDataError(f"{prop.column} {text!r} is neither Yes nor No")
                found[prop.name] = _YES_NO[text.lower()]
            else:
                found[prop.name] = text
        return found

    def _between(self, start: datetime, end: datetime) -> datetime:
        """A time between start and end (both before `now`), to the second."""
        span = max((end - start).total_seconds(), 0.0)
        return (start + timedelta(seconds=self.rng.uniform(0, span))).replace(microsecond=0)

    def _engagements(self, contact_id: str, created_at: datetime) -> list[Engagement]:
        row, now = self.row, self.spec.now
        latest_possible = now - timedelta(minutes=1)
        last_at = self._between(created_at, latest_possible)
        # The notable activity is the last one that counted; it happened at or before the last.
        notable_at = self._between(created_at, last_at)
        items: list[tuple[EngagementKind, datetime, int, str | None]] = []

        origin = _value(row, "Lead Origin")
        if origin and origin.lower() in FORM_ORIGINS:
            items.append((EngagementKind.FORM_SUBMISSION, created_at, 1, origin))

        last = _value(row, "Last Activity")
        notable = _value(row, "Last Notable Activity")
        last_kind = ACTIVITIES.get(last.lower()) if last else None
        notable_kind = ACTIVITIES.get(notable.lower()) if notable else None

        visits = self._number("TotalVisits")
        per_visit = self._number("Page Views Per Visit")
        # Counters carry the date of the latest page view when an activity column names one.
        if last_kind == EngagementKind.PAGE_VIEW:
            counters_at = last_at
        elif notable_kind == EngagementKind.PAGE_VIEW:
            counters_at = notable_at
        else:
            counters_at = self._between(created_at, last_at)
        if visits:
            items.append((EngagementKind.WEBSITE_VISIT, counters_at, round(visits), None))
            page_views = round(visits * (per_visit or 1.0))
            if page_views >= 1:
                items.append((EngagementKind.PAGE_VIEW, counters_at, page_views, None))
        if last_kind is not None and not (last_kind == EngagementKind.PAGE_VIEW and visits):
            items.append((last_kind, last_at, 1, last))
        notable_is_counted = notable_kind == EngagementKind.PAGE_VIEW and bool(visits)
        if notable_kind not in (None, last_kind) and not notable_is_counted:
            items.append((notable_kind, notable_at, 1, notable))

        if _value(row, "A free copy of Mastering The Interview") == "Yes":
            items.append(
                (EngagementKind.CONTENT_DOWNLOAD, created_at, 1, "Mastering The Interview")
            )
        has_unsubscribe = any(kind == EngagementKind.UNSUBSCRIBE for kind, *_ in items)
        if _value(row, "Do Not Email") == "Yes" and not has_unsubscribe:
            unsubscribed_at = self._between(created_at, latest_possible)
            items.append((EngagementKind.UNSUBSCRIBE, unsubscribed_at, 1, "Do Not Email"))

        return engagement_history(contact_id, items, 2)

    def _extra(self) -> dict[str, str]:
        extra: dict[str, str] = {}
        specialization = _value(self.row, "Specialization")
        if specialization and specialization.lower() in SPECIALIZATIONS:
            extra["industry"] = SPECIALIZATIONS[specialization.lower()]
        # Backtesting only: the recorded outcome. Never an input, never loaded into a CRM.
        outcome = _value(self.row, OUTCOME_COLUMN)
        if outcome is not None:
            extra["converted"] = outcome
        return extra
