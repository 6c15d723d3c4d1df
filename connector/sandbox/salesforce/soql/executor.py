"""Runs a bound query against the store and answers the matching rows in order.

Conditions are evaluated set-wise rather than row by row: each comparison scans only the rows
still in play (or, for `Id`/lookup equality and IN, reads the lookup index), AND narrows the
candidates child by child with the indexed children first, OR unites. That keeps
`WhoId IN (...)` on millions of tasks and `SystemModstamp > ...` on a million leads fast.

Semantics follow SOQL: text comparisons (=, !=, <, >, IN) and ORDER BY are case-insensitive;
ids compare by their 18-character form; a comparison with a null field value is false except
`= null`, so `!= 'x'` and `NOT IN` also match nulls; nulls sort first.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeGuard

from connector.sandbox.salesforce.schema import FieldType, Kind
from connector.sandbox.salesforce.soql.ast import And, Comparison, InList, Or
from connector.sandbox.salesforce.soql.binder import Bound, BoundPath, BoundQuery
from connector.sandbox.salesforce.store import RECYCLE_BIN, Store, Table, resolve
from connector.sandbox.salesforce.values import datetime_to_ms

Rows = list[int]
Indexable = Comparison[BoundPath, object] | InList[BoundPath, object]


def execute(store: Store, query: BoundQuery, include_deleted: bool = False) -> Rows:
    """The rows of `query.object` matching WHERE, ordered, up to LIMIT."""
    table = store.tables[query.object.name]
    runner = _Runner(store, table)
    rows = list(range(len(table))) if query.where is None else runner.filter(query.where, None)
    deleted = table.deleted
    if not include_deleted:
        rows = [row for row in rows if not deleted[row]]
    elif deleted.count(1):
        # "After these records are permanently removed from the recycle bin, you can no longer
        # query them" (REST API Developer Guide, QueryAll). Their delete set SystemModstamp.
        purged_before = datetime_to_ms(store.clock() - RECYCLE_BIN)
        stamps = table.columns["SystemModstamp"]  # on every object
        rows = [row for row in rows if not deleted[row] or stamps.get(row) >= purged_before]
    if query.order_by:
        rows = runner.order(rows, query)
    return rows[: query.limit]


class _Runner:
    def __init__(self, store: Store, table: Table) -> None:
        self.store = store
        self.table = table

    def getter(self, path: BoundPath) -> Callable[[int], Any]:
        """A fast accessor for a path's value on a base row (case-folded for text)."""
        table = self.table
        leaf = path.leaf
        fold = _folds(path)
        if not path.hops and leaf.type is FieldType.ID:
            return table.ids.__getitem__
        if not path.hops and leaf.formula is None:
            get = table.columns[leaf.name].get
            return (lambda row: _fold(get(row))) if fold else get
        store = self.store
        return lambda row: _fold(resolve(store, table, row, path), fold)

    def filter(self, node: Bound, rows: Rows | None) -> Rows:
        if isinstance(node, And):
            children = sorted(node.children, key=lambda child: 0 if self.indexable(child) else 1)
            current = rows
            for child in children:
                current = self.filter(child, current)
                if not current:
                    return []
            return current if current is not None else []
        if isinstance(node, Or):
            matched: set[int] = set()
            for child in node.children:
                matched.update(self.filter(child, rows))
            return sorted(matched)
        if self.indexable(node):
            return self.indexed(node, rows)
        test = self.predicate(node)
        get = self.getter(node.path)
        domain: Iterable[int] = rows if rows is not None else range(len(self.table))
        return [row for row in domain if test(get(row))]

    def indexable(self, node: Bound) -> TypeGuard[Indexable]:
        """Whether an index answers `node` (only an equality or an IN can be, so a True
        narrows the node to those for `indexed`)."""
        if isinstance(node, Comparison):
            values_ok = node.op == "=" and node.value is not None
        elif isinstance(node, InList):
            values_ok = not node.negated and all(v is not None for v in node.values)
        else:
            return False
        leaf = node.path.leaf
        indexed = leaf.type is FieldType.ID or leaf.name in self.table.indexes
        return values_ok and not node.path.hops and indexed

    def indexed(self, node: Indexable, rows: Rows | None) -> Rows:
        wanted = [node.value] if isinstance(node, Comparison) else list(node.values)
        table, leaf = self.table, node.path.leaf
        found: set[int] = set()
        for value in map(str, wanted):
            if leaf.type is FieldType.ID:
                found.update([table.row_of[value]] if value in table.row_of else [])
            else:
                found.update(table.rows_with(leaf.name, value))
        return sorted(found) if rows is None else [row for row in rows if row in found]

    def predicate(self, node: Bound) -> Callable[[Any], bool]:
        """`= null` and `!= null` test for null; any other comparison with a null is false."""
        if isinstance(node, InList):
            members = {_fold(v, _folds(node.path)) for v in node.values}
            if node.negated:
                return lambda value: value not in members
            return lambda value: value in members
        assert isinstance(node, Comparison)
        target = _fold(node.value, _folds(node.path))
        compare = _OPERATORS[node.op]
        if node.op in ("=", "!="):
            return lambda value: compare(value, target)
        return lambda value: value is not None and target is not None and compare(value, target)

    def order(self, rows: Rows, query: BoundQuery) -> Rows:
        ordered = list(rows)
        # Stable sorts from the last key to the first give the multi-key order.
        for path in reversed(query.order_by):
            ordered.sort(key=partial(_sort_key, self.getter(path)))
        return ordered


def _sort_key(get: Callable[[int], Any], row: int) -> tuple[int, Any]:
    value = get(row)
    return (0, 0) if value is None else (1, value)


def _folds(path: BoundPath) -> bool:
    """Text compares case-insensitively; ids compare by their 18-character form."""
    return path.leaf.kind is Kind.TEXT and path.leaf.type not in (FieldType.ID, FieldType.REFERENCE)


def _fold(value: Any, fold: bool = True) -> Any:
    return value.casefold() if fold and isinstance(value, str) else value


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
