"""The emulated org's records, kept column by column so a million persons fit in memory.

Numbers, datetimes (epoch ms) and dates (epoch days) live in typed arrays with a sentinel for
null, booleans in a bytearray, text in lists of (interned, where values repeat) strings. Columns
grow lazily, so sparse fields cost nothing; lookup fields get a value->rows index so
`WhoId IN (...)` never scans millions of rows. The store knows nothing of HTTP or validation
(writes.py validates); callers hold its one re-entrant lock (`Store.lock`).
"""

from __future__ import annotations

import bisect
import sys
import threading
from array import array
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.schema import FieldDef, FieldType, Kind, ObjectDef
from connector.sandbox.salesforce.values import datetime_to_ms

if TYPE_CHECKING:  # the SOQL package reads values through this module
    from connector.sandbox.salesforce.soql.binder import BoundPath

#: How long the recycle bin keeps a deleted record: QueryAll and Get Deleted see it that long.
RECYCLE_BIN = timedelta(days=15)
INT_NULL = -(2**63)
DATE_NULL = -(2**31)

# Low-cardinality text columns whose values are interned so a million rows share few strings.
_INTERNED_TYPES = frozenset({FieldType.PICKLIST, FieldType.REFERENCE, FieldType.COMBOBOX})


_ARRAYS = {Kind.INT: ("q", INT_NULL), Kind.DATETIME: ("q", INT_NULL), Kind.DATE: ("i", DATE_NULL)}


class Column:
    """One field's values for every row of a table; `None` stands for null on every kind."""

    __slots__ = ("data", "intern", "kind", "null")

    def __init__(self, field: FieldDef) -> None:
        self.kind = field.kind
        self.intern = field.type in _INTERNED_TYPES
        self.data: Any
        self.null: Any  # what stands for null in `data`: an int, nan, 0 or None by kind
        if self.kind in _ARRAYS:
            typecode, self.null = _ARRAYS[self.kind]
            self.data = array(typecode)
        elif self.kind is Kind.FLOAT:
            self.data, self.null = array("d"), float("nan")
        elif self.kind is Kind.BOOL:
            self.data, self.null = bytearray(), 0
        else:
            self.data, self.null = [], None

    def get(self, row: int) -> Any:
        if row >= len(self.data):
            return False if self.kind is Kind.BOOL else None
        value = self.data[row]
        if self.kind is Kind.BOOL:
            return value == 1
        # nan != nan: a float column's null is the one value unequal to itself
        return None if value is None or value == self.null or value != value else value

    def set(self, row: int, value: Any) -> None:
        data = self.data
        size = len(data)
        if value is None:
            if row < size:
                data[row] = self.null
            return
        if self.kind is Kind.BOOL:
            value = 1 if value else 0
            if value == 0 and row >= size:
                return  # rows past the end read as False already
        elif self.intern and isinstance(value, str):
            value = sys.intern(value)
        if row < size:
            data[row] = value
            return
        if row > size:  # pad the rows never written
            filler = array(data.typecode, [self.null]) if isinstance(data, array) else [self.null]
            data.extend(bytes(row - size) if self.kind is Kind.BOOL else filler * (row - size))
        data.append(value)


class Table:
    """The rows of one object. Row numbers are stable; deleted rows stay, flagged IsDeleted."""

    def __init__(self, definition: ObjectDef) -> None:
        self.definition = definition
        stored = [f for f in definition.fields if f.formula is None]  # formulas: computed on read
        # Ids live in `ids`/`row_of`, not in a column.
        self.columns = {f.name: Column(f) for f in stored if f.type is not FieldType.ID}
        self.ids: list[str] = []
        self.row_of: dict[str, int] = {}
        self.deleted = bytearray()
        self.next_number = 1
        # value -> rows for lookup fields, plus value.lower() -> row for unique text fields.
        self.indexes: dict[str, dict[str, list[int]]] = {
            f.name: {} for f in stored if f.type is FieldType.REFERENCE
        }
        self.unique: dict[str, dict[str, int]] = {f.name: {} for f in stored if f.unique}

    def __len__(self) -> int:
        return len(self.ids)

    def new_id(self) -> str:
        record_id = ids.make_id(self.definition.key_prefix, self.next_number)
        self.next_number += 1
        return record_id

    def insert(self, values: dict[str, Any], record_id: str | None = None) -> int:
        """Append a row with stored-representation `values`; returns its row number."""
        record_id = record_id or self.new_id()
        row = len(self.ids)
        self.ids.append(record_id)
        self.row_of[record_id] = row
        self.deleted.append(0)
        self.update(row, values)  # on a new row: every value set and indexed, none unindexed
        return row

    def update(self, row: int, values: dict[str, Any]) -> None:
        for name, value in values.items():
            column = self.columns[name]
            if name in self.indexes or name in self.unique:
                old = column.get(row)
                if old == value:
                    continue
                if old is not None and row in self.indexes.get(name, {}).get(old, ()):
                    self.indexes[name][old].remove(row)
                if old is not None and self.unique.get(name, {}).get(str(old).lower()) == row:
                    del self.unique[name][str(old).lower()]
                self._index(name, value, row)
            column.set(row, value)

    def _index(self, name: str, value: Any, row: int) -> None:
        """Enter `row` under `value` in the field's lookup index and unique-value map."""
        if value is None:
            return
        if name in self.indexes:
            bisect.insort(self.indexes[name].setdefault(value, []), row)
        if name in self.unique:
            self.unique[name][str(value).lower()] = row

    def get(self, row: int, name: str) -> Any:
        return self.columns[name].get(row)

    def row(self, record_id: str) -> int | None:
        """The row of this table's record `record_id` (15 or 18 characters), deleted included."""
        return self.row_of.get(ids.to18(record_id)) if ids.looks_like_id(record_id) else None

    def is_deleted(self, row: int) -> bool:
        return self.deleted[row] == 1

    def mark_deleted(self, row: int) -> None:
        self.deleted[row] = 1
        if "IsDeleted" in self.columns:
            self.columns["IsDeleted"].set(row, True)

    def find_unique(self, name: str, value: str) -> int | None:
        return self.unique.get(name, {}).get(value.lower())

    def rows_with(self, name: str, value: str) -> list[int]:
        return self.indexes[name].get(value, [])


class Store:
    """All tables of the org, the id registry across them, record locks and the clock."""

    def __init__(
        self, objects: dict[str, ObjectDef], clock: Callable[[], datetime] | None = None
    ) -> None:
        self.objects = objects
        self.lock = threading.RLock()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.tables = {name: Table(definition) for name, definition in objects.items()}
        self._by_prefix = {table.definition.key_prefix: table for table in self.tables.values()}
        self.locked_ids: set[str] = set()
        self._last_ms = 0

    def now_ms(self) -> int:
        """A strictly increasing timestamp, so SystemModstamp orders writes even within 1 ms."""
        stamp = datetime_to_ms(self.clock())
        if stamp <= self._last_ms:
            stamp = self._last_ms + 1
        self._last_ms = stamp
        return stamp

    def object_named(self, name: str) -> ObjectDef | None:
        lowered = name.lower()
        return next((o for o in self.objects.values() if o.name.lower() == lowered), None)

    def locate(self, record_id: str) -> tuple[Table, int] | None:
        """The table and row of an id (15 or 18 characters), deleted rows included."""
        table = self._by_prefix.get(record_id[:3])
        row = None if table is None else table.row(record_id)
        return None if table is None or row is None else (table, row)

    def iter_live(self, object_name: str) -> Iterator[int]:
        deleted = self.tables[object_name].deleted
        return (row for row in range(len(deleted)) if not deleted[row])


# ---- reading values: shared by SOQL, the record resources and Bulk API CSV, so a value looks the
# same whichever API reads it.
def read_field(table: Table, row: int, field: FieldDef) -> Any:
    """A field's stored-representation value; formula fields are computed on the fly (from
    the record's stored fields)."""
    if field.type is FieldType.ID:
        return table.ids[row]
    if field.formula is not None:
        return field.formula(partial(table.get, row))
    return table.columns[field.name].get(row)


def follow(
    store: Store, table: Table, row: int, hops: tuple[FieldDef, ...]
) -> tuple[Table, int] | None:
    """The record reached by following lookup `hops` from (table, row); None on a null link."""
    for hop in hops:
        target_id = table.columns[hop.name].get(row)
        located = None if target_id is None else store.locate(target_id)
        if located is None:
            return None
        table, row = located
    return table, row


def read_on_target(target: Table, row: int, path: BoundPath) -> Any:
    """Read the leaf of `path` on the record it reached. Through the polymorphic `Name`
    pseudo-object, `Type` is the record's object name and other fields map by name (absent ones
    are null)."""
    leaf = path.leaf
    if not path.objects or path.objects[-1].name != "Name":
        return read_field(target, row, leaf)
    if leaf.name == "Type":
        return target.definition.name
    actual = target.definition.field(leaf.name)
    return None if actual is None else read_field(target, row, actual)


def resolve(store: Store, table: Table, row: int, path: BoundPath) -> Any:
    """The value of a bound path for one base row."""
    reached = follow(store, table, row, path.hops)
    return None if reached is None else read_on_target(*reached, path)
