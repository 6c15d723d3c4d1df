"""Records as the REST API and Bulk API 2.0 write them.

REST: each record starts with `attributes {type, url}` (url `/services/data/vXX.X/sobjects/
<Type>/<Id>`), then the selected fields in the order selected; a relationship field such as
`Owner.Name` nests `"Owner": {"attributes": {...}, "Name": ...}`, and a null lookup answers
`"Owner": null` (REST API "Execute a SOQL Query" examples). Through a polymorphic lookup the
nested `type` is `Name`, the pseudo-object SOQL resolves such lookups to.

Bulk API 2.0 query results: CSV with a header row of the field names as selected
(`Owner.Name`), every value in double quotes and null as an empty field.
"""

from __future__ import annotations

import io
from typing import Any

from connector.sandbox.salesforce.reader import follow, read_field, read_on_target, resolve
from connector.sandbox.salesforce.schema import FieldDef
from connector.sandbox.salesforce.soql.binder import BoundPath
from connector.sandbox.salesforce.store import Store, Table
from connector.sandbox.salesforce.values import to_csv_text, to_json


def attributes(object_name: str, record_id: str, version: str) -> dict[str, str]:
    return {
        "type": object_name,
        "url": f"/services/data/v{version}/sobjects/{object_name}/{record_id}",
    }


def record_json(
    store: Store, table: Table, row: int, paths: list[BoundPath], version: str
) -> dict[str, Any]:
    name = table.definition.name
    record: dict[str, Any] = {"attributes": attributes(name, table.ids[row], version)}
    for path in paths:
        container: dict[str, Any] | None = record
        current = (table, row)
        for hop, shown in zip(path.hops, path.objects, strict=True):
            assert container is not None
            key = hop.relationship_name or hop.name
            reached = follow(store, *current, (hop,))
            if reached is None:  # a null lookup answers `"Owner": null`
                container = container.setdefault(key, None)
                break
            if container.get(key) is None:
                target, target_row = reached
                located = attributes(target.definition.name, target.ids[target_row], version)
                container[key] = {"attributes": {**located, "type": shown.name}}
            container, current = container[key], reached
        if container is not None:
            via_name = bool(path.objects) and path.objects[-1].name == "Name"
            value = read_on_target(*current, path.leaf, via_name)
            container[path.leaf.name] = to_json(path.leaf, value)
    return record


def full_record_json(
    table: Table, row: int, fields: list[FieldDef], version: str
) -> dict[str, Any]:
    """A record as `GET /sobjects/<Type>/<Id>` answers it: every requested field, flat."""
    record: dict[str, Any] = {
        "attributes": attributes(table.definition.name, table.ids[row], version)
    }
    for field in fields:
        record[field.name] = to_json(field, read_field(table, row, field))
    return record


def csv_rows(
    store: Store,
    table: Table,
    rows: list[int],
    paths: list[BoundPath],
    delimiter: str = ",",
    line_ending: str = "\n",
    header: bool = True,
) -> str:
    # Quoted by hand: Salesforce quotes every value and leaves nulls empty, which no csv
    # module dialect does.
    buffer = io.StringIO()
    if header:
        buffer.write(delimiter.join(_quote(path.text) for path in paths) + line_ending)
    for row in rows:
        cells = []
        for path in paths:
            value = resolve(store, table, row, path)
            cells.append("" if value is None else _quote(to_csv_text(path.leaf, value)))
        buffer.write(delimiter.join(cells) + line_ending)
    return buffer.getvalue()


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
