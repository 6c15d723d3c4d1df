"""Records as the REST API and Bulk API 2.0 write them.

REST: `attributes {type, url}` first, then the selected fields in the order selected; a
relationship path such as `Owner.Name` nests `"Owner": {"attributes": {...}, "Name": ...}`, a
null lookup answers `"Owner": null`, and through a polymorphic lookup the nested `type` is
`Name`, the pseudo-object SOQL resolves it to (REST API "Execute a SOQL Query" examples). Bulk
API 2.0: CSV with the selected paths as the header, every value in double quotes, null empty.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.salesforce.soql.binder import BoundPath
from connector.sandbox.salesforce.store import Store, Table, follow, read_on_target, resolve
from connector.sandbox.salesforce.values import to_csv_text, to_json


def attributes(table: Table, row: int, version: str) -> dict[str, str]:
    object_name = table.definition.name
    url = f"/services/data/v{version}/sobjects/{object_name}/{table.ids[row]}"
    return {"type": object_name, "url": url}


def record_json(
    store: Store, table: Table, row: int, paths: list[BoundPath], version: str
) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": attributes(table, row, version)}
    for path in paths:
        container, current = record, (table, row)
        for hop, shown in zip(path.hops, path.objects, strict=True):
            key = hop.relationship_name or hop.name
            reached = follow(store, *current, (hop,))
            if reached is None:  # a null lookup answers `"Owner": null`
                container.setdefault(key, None)
                break
            if container.get(key) is None:
                located = attributes(*reached, version)
                container[key] = {"attributes": {**located, "type": shown.name}}
            container, current = container[key], reached
        else:
            container[path.leaf.name] = to_json(path.leaf, read_on_target(*current, path))
    return record


def csv_rows(store: Store, table: Table, rows: list[int], paths: list[BoundPath]) -> str:
    """Quoted by hand: Salesforce quotes every value and leaves nulls empty, which no csv
    module dialect does."""
    lines = [",".join(_quote(path.text) for path in paths)]
    for row in rows:
        values = ((path, resolve(store, table, row, path)) for path in paths)
        cells = ("" if v is None else _quote(to_csv_text(p.leaf, v)) for p, v in values)
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
