"""Compact, column-wise storage of CRM records, sized for a million contacts.

A list per property costs a pointer per record (a dict per record ~4 KB). Ids ascend in an
`array('q')` whose position is the row, so `GET /{id}` is a bisect and `after=` paging starts at
the cursor. Columns grow lazily: an unwritten property costs nothing. Rows are never removed
(archived ones stay listable with `archived=true`). One re-entrant lock, held by a handler for a
whole request, keeps batch writes atomic as other requests see them.
"""

from __future__ import annotations

import threading
import time
from array import array
from bisect import bisect_left

from connector.sandbox.hubspot.catalogue import OBJECT_TYPES, ObjectType
from connector.sandbox.hubspot.schema import PropertyRegistry

Stored = str | int | None


def record_id(raw: object) -> int | None:
    """A HubSpot record id (numeric string) as an int; None when it cannot be one."""
    text = str(raw).strip()
    return int(text) if text.isdigit() else None


class Table:
    """The records of one object type."""

    def __init__(self, object_type: ObjectType, registry: PropertyRegistry) -> None:
        self.object_type = object_type
        self.registry = registry
        self.ids = array("q")
        self.created = array("q")  # createdAt, epoch ms
        self.updated = array("q")  # updatedAt == the modified-date property, epoch ms
        self.archived = bytearray()
        self.archived_at: dict[int, int] = {}
        self.columns: dict[str, list[Stored]] = {}
        #: Bumped on every change; search caches are keyed on it.
        self.version = 0
        self.live = 0
        self._unique: dict[str, dict[str, int]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def row_of(self, record_id: int) -> int | None:
        """The row holding `record_id`, archived or not; None when no such record."""
        ids = self.ids
        row = bisect_left(ids, record_id)
        if row < len(ids) and ids[row] == record_id:
            return row
        return None

    def live_row(self, record_id: int | None) -> int | None:
        """The row of a record that exists and is not archived; None otherwise."""
        row = self.row_of(record_id) if record_id is not None else None
        return None if row is None or self.archived[row] else row

    def is_archived(self, row: int) -> bool:
        return bool(self.archived[row])

    def append(self, record_id: int, created_ms: int, updated_ms: int) -> int:
        if self.ids and record_id <= self.ids[-1]:
            raise ValueError(f"record ids must grow: {record_id} after {self.ids[-1]}")
        self.ids.append(record_id)
        self.created.append(created_ms)
        self.updated.append(updated_ms)
        self.archived.append(0)
        self.live += 1
        self.version += 1
        return len(self.ids) - 1

    def archive(self, row: int, at_ms: int) -> None:
        if not self.archived[row]:
            self.archived[row] = 1
            self.archived_at[row] = at_ms
            self.live -= 1
            self.version += 1
            for name, index in self._unique.items():
                value = self.get(row, name)
                if isinstance(value, str) and index.get(value.lower()) == row:
                    del index[value.lower()]

    def get(self, row: int, name: str) -> Stored:
        column = self.columns.get(name)
        if column is None or row >= len(column):
            return None
        return column[row]

    def set(self, row: int, name: str, value: Stored) -> None:
        column = self.columns.get(name)
        if column is None:
            if value is None:
                return
            column = self.columns[name] = []
        if row >= len(column):
            if value is None:
                return
            column.extend([None] * (row + 1 - len(column)))
        index = self._unique.get(name)
        if index is not None:
            old = column[row]
            if isinstance(old, str) and index.get(old.lower()) == row:
                del index[old.lower()]
            if isinstance(value, str):
                index[value.lower()] = row
        column[row] = value
        self.version += 1

    def fill(self, row: int, values: dict[str, Stored]) -> None:
        """Set the values of a just-appended row; None values are skipped."""
        for name, value in values.items():
            if value is not None:
                self.set(row, name, value)

    def touch(self, row: int, at_ms: int) -> None:
        self.updated[row] = at_ms
        self.version += 1

    def find_unique(self, name: str, value: str) -> int | None:
        """The live row whose `name` equals `value` (case-insensitive); indexes build lazily."""
        index = self._unique.get(name)
        if index is None:
            index = {}
            column = self.columns.get(name) or []
            archived = self.archived
            for row, stored in enumerate(column):
                if isinstance(stored, str) and not archived[row]:
                    index.setdefault(stored.lower(), row)
            self._unique[name] = index
        return index.get(value.lower())


class Store:
    """Every table, the id sequence and the clock; `lock` serialises requests that touch them."""

    def __init__(self, catalog: dict[str, PropertyRegistry]) -> None:
        self.lock = threading.RLock()
        self.catalog = catalog
        self.tables: dict[str, Table] = {
            object_type.name: Table(object_type, catalog[object_type.name])
            for object_type in OBJECT_TYPES
        }
        self._next_id = 1001
        self._last_ms = 0
        self._offset_ms = 0

    def table(self, object_type: ObjectType) -> Table:
        return self.tables[object_type.name]

    def next_id(self) -> int:
        """Record ids are unique across object types and always grow, as HubSpot's do."""
        value = self._next_id
        self._next_id += 1
        return value

    def now_ms(self) -> int:
        """Wall-clock milliseconds, never going backwards (so modified dates order writes)."""
        ms = int(time.time() * 1000) + self._offset_ms
        if ms < self._last_ms:
            ms = self._last_ms
        self._last_ms = ms
        return ms

    def not_before(self, ms: int) -> None:
        """Make the clock run after `ms` (the newest seeded timestamp): a write must always look
        newer than the data it changes, or incremental reads by modified date would miss it."""
        wall = int(time.time() * 1000)
        if wall + self._offset_ms <= ms:
            self._offset_ms = ms - wall + 1
