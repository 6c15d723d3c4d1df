"""Load `SeedData` into the emulated portal: owners, companies, then contacts with their deals,
meetings and calls, in seed order, with ids from the store's one growing sequence.

Building a synthetic contact (~0.1 ms) dominates start-up at scale, so large synthetic seeds are
converted in forked worker processes, chunk by chunk, while this process assigns ids in order
(parallel and serial seeding give identical portals). Only from a single-threaded process on
Linux (forking beside threads can deadlock, "spawn" would re-run `__main__`); elsewhere, or if a
worker fails, seeding runs (or resumes) serially.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from connector.domain.contact import Company
from connector.sandbox.hubspot.catalogue import (
    CALLS,
    COMPANIES,
    CONTACTS,
    DEALS,
    MEETINGS,
    ObjectType,
    dataset_property,
)
from connector.sandbox.hubspot.graph import AssociationGraph, labelled_type
from connector.sandbox.hubspot.owners import OwnerRecord, Owners
from connector.sandbox.hubspot.seed_mapping import (
    FIRST_OWNER_ID,
    FIRST_USER_ID,
    ContactRows,
    Values,
    company_values,
    convert_contact,
    convert_range,
    owner_ids,
)
from connector.sandbox.hubspot.store import Store, Table
from connector.sandbox.hubspot.values import datetime_to_ms
from connector.sandbox.seed import SeedData
from connector.sandbox.seed.dataset_properties import BY_NAME

logger = logging.getLogger(__name__)

#: Below this many synthetic contacts, worker processes cost more than they save.
PARALLEL_THRESHOLD = 50_000
CHUNK = 5_000

#: Values that are (nearly) unique per record: sharing them would only cost a dict entry.
_UNIQUE_ISH = frozenset({"email", "phone", "dealname", "domain", "name", "hs_call_title"})


class Seeder:
    """Loads one `SeedData` into a store."""

    def __init__(self, store: Store, graph: AssociationGraph, owners: Owners) -> None:
        self.store = store
        self.graph = graph
        self.owners = owners
        self.company_ids: dict[str, int] = {}
        self._newest = 0
        # Most contact values repeat (countries, titles, stages): keep one string of each.
        self._strings: dict[str, str] = {}

    def load(self, data: SeedData) -> None:
        now_ms = datetime_to_ms(data.spec.now)
        if data.is_dataset:
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
        for name, values in data.picklist_options().items():
            prop = BY_NAME[name]
            existing = registry.get(prop.hubspot)
            if existing is None or existing.type != "enumeration":
                continue
            definition = dataset_property(
                prop.hubspot, prop.label, prop.type.value, existing.group_name, values
            )
            definition.display_order = existing.display_order
            registry.add(definition)

    def _contact_rows(self, data: SeedData, owners: dict[str, int]) -> Iterator[ContactRows]:
        count = data.contact_count or 0
        workers = os.cpu_count() or 1
        parallel = (
            not data.is_dataset
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
        todo = iter([(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)])
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: list[Future[list[ContactRows]]] = [
                pool.submit(convert_range, spec, start, stop)
                for start, stop in islice(todo, 2 * workers)  # a window keeps memory flat
            ]
            while pending:
                chunk = pending.pop(0).result()
                pending.extend(
                    pool.submit(convert_range, spec, start, stop) for start, stop in islice(todo, 1)
                )
                yield from chunk

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

    def _company(self, company: Company, owners: dict[str, int], now_ms: int) -> int:
        values, created = company_values(company, owners, now_ms)
        record_id = self._record(COMPANIES, values, created, created)
        self.company_ids[company.id] = record_id
        return record_id

    def _contact(self, rows: ContactRows, owners: dict[str, int], now_ms: int) -> None:
        company_id = None
        if rows.company is not None:  # a company the seed did not list is loaded now
            company_id = self.company_ids.get(rows.company.id)
            if company_id is None:
                company_id = self._company(rows.company, owners, now_ms)
        record_id = self._record(CONTACTS, rows.values, rows.created, rows.updated)
        self._newest = max(self._newest, rows.updated)
        if company_id is not None:
            self._link(CONTACTS, record_id, COMPANIES, company_id, primary=True)
        for values, created, updated in rows.deals:
            deal_id = self._record(DEALS, values, created, updated)
            self._link(DEALS, deal_id, CONTACTS, record_id)
            if company_id is not None:
                self._link(DEALS, deal_id, COMPANIES, company_id, primary=True)
        for kind, activities in ((MEETINGS, rows.meetings), (CALLS, rows.calls)):
            for values, stamp in activities:
                activity_id = self._record(kind, values, stamp, stamp)
                self._link(kind, activity_id, CONTACTS, record_id)
                if company_id is not None:
                    self._link(kind, activity_id, COMPANIES, company_id)

    def _record(self, object_type: ObjectType, values: Values, created: int, updated: int) -> int:
        table = self.store.table(object_type)
        record_id = self.store.next_id()
        row = table.append(record_id, created, updated)
        self._fill(table, row, values)
        return record_id

    def _fill(self, table: Table, row: int, values: Values) -> None:
        """Store already-normalised values, skipping empty ones and unprovisioned properties."""
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
