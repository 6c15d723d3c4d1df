"""Reading field values out of the store (columns, formula fields, lookup paths), shared by SOQL,
the record resources and Bulk API CSV so a value looks the same whichever API reads it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.sandbox.salesforce.schema import FieldDef, FieldType
from connector.sandbox.salesforce.store import Store, Table

if TYPE_CHECKING:  # the SOQL package reads values through this module
    from connector.sandbox.salesforce.soql.binder import BoundPath


def read(table: Table, row: int, name: str) -> Any:
    """A field's stored-representation value; formula fields are computed on the fly."""
    field = table.definition.field(name)
    return None if field is None else read_field(table, row, field)


def read_field(table: Table, row: int, field: FieldDef) -> Any:
    if field.type is FieldType.ID:
        return table.ids[row]
    if field.formula is not None:
        return field.formula(lambda other: read(table, row, other))
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


def read_on_target(target: Table, row: int, leaf: FieldDef, via_name_object: bool) -> Any:
    """Read `leaf` on the record a path reached. Through the polymorphic `Name` pseudo-object,
    `Type` is the record's object name and other fields map by name (absent ones are null)."""
    if not via_name_object:
        return read_field(target, row, leaf)
    if leaf.name == "Type":
        return target.definition.name
    actual = target.definition.field(leaf.name)
    return None if actual is None else read_field(target, row, actual)


def resolve(store: Store, table: Table, row: int, path: BoundPath) -> Any:
    """The value of a bound path for one base row."""
    if not path.hops:
        return read_field(table, row, path.leaf)
    reached = follow(store, table, row, path.hops)
    via_name = path.objects[-1].name == "Name"
    return None if reached is None else read_on_target(*reached, path.leaf, via_name)
