"""Writing and reading records the way HubSpot does.

Writes: every property is validated before anything is stored, so one bad property changes
nothing (a 400 for the whole input). The lifecycle stage only moves forward: an earlier stage is
silently ignored unless the property was cleared first (HubSpot staff on the developers' forum;
`other` is last). The modified date and `updatedAt` move only when a write changes a value.

Reads (HubSpot's deals guide): a requested property without a value comes back as null, one that
does not exist is left out, no `properties` gives the type's defaults; the record id, create and
modified dates always come along.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence

from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.catalogue import CONTACTS, LIFECYCLE_ORDER
from connector.sandbox.hubspot.store import Stored, Table, record_id
from connector.sandbox.hubspot.values import InvalidValue, format_datetime, normalize_value

Prepared = dict[str, Stored]


def prepare(
    table: Table, raw: Mapping[str, object], owners: Container[int | None], *, creating: bool
) -> Prepared:
    """Validate and normalise one input's properties; every problem of the input is in the one
    HubSpotError raised (a 400, or a 207 entry where the batch asks for one). Owner properties
    (`hubspot_owner_id`, whose options are the portal's `owners`) must name an owner: HubSpot
    refuses anything else with INVALID_OWNER_ID (the owners guide; the message wording is the
    emulator's)."""
    registry = table.registry
    problems: list[InvalidValue] = []
    prepared: Prepared = {}
    for name, value in raw.items():
        definition = registry.get(name)
        if definition is None:
            message = f'Property "{name}" does not exist'
            problems.append(InvalidValue(name, "PROPERTY_DOESNT_EXIST", message))
            continue
        if definition.read_only_value:
            # The code HubSpot uses here is not documented; READ_ONLY_VALUE is the emulator's.
            message = f'Property "{name}" is a read only property'
            problems.append(InvalidValue(name, "READ_ONLY_VALUE", message))
            continue
        try:
            stored = prepared[name] = normalize_value(definition, value)
        except InvalidValue as problem:
            problems.append(problem)
            continue
        if definition.external_options and stored is not None and record_id(stored) not in owners:
            message = f"{stored} is not a valid owner id"
            problems.append(InvalidValue(name, "INVALID_OWNER_ID", message))
    if creating:
        for name in table.object_type.required_on_create:
            if prepared.get(name) is None and not any(p.name == name for p in problems):
                message = f'Property "{name}" is required'
                problems.append(InvalidValue(name, "REQUIRED", message))
    if problems:
        raise errors.property_validation(problems)
    return prepared


def apply(table: Table, row: int, prepared: Prepared, now_ms: int) -> bool:
    """Store `prepared` on `row`; True when any value changed (then the modified date moves)."""
    changed = False
    forward_only = table.object_type is CONTACTS
    for name, value in prepared.items():
        current = table.get(row, name)
        if value == current:
            continue
        if (
            forward_only
            and name == "lifecyclestage"
            and value is not None
            and current is not None
            and LIFECYCLE_ORDER.get(str(value), 0) < LIFECYCLE_ORDER.get(str(current), 0)
        ):
            continue  # HubSpot ignores a backward move without saying so
        table.set(row, name, value)
        changed = True
    if changed:
        table.touch(row, now_ms)
    return changed


def create(table: Table, new_id: int, prepared: Prepared, now_ms: int) -> int:
    row = table.append(new_id, now_ms, now_ms)
    created_property = table.object_type.created_property
    if prepared.get(created_property) is None:
        table.set(row, created_property, now_ms)
    table.fill(row, prepared)
    return row


def split_names(values: Iterable[str]) -> list[str]:
    """Query values as HubSpot takes them: repeated (`properties=a&properties=b`) or
    comma-separated (`properties=a,b`)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


class Projection:
    """Which properties to render for a request, resolved once and applied to many rows."""

    def __init__(self, table: Table, requested: Sequence[str] | None) -> None:
        self.table = table
        object_type = table.object_type
        modified = object_type.modified_property
        if requested:
            # HubSpot always adds the record id, create and modified dates to what was asked for
            # (the meeting example in "Using Object APIs" shows them next to the requested two).
            names = [object_type.created_property, *requested, "hs_object_id", modified]
        else:
            names = list(object_type.default_properties)
        self.modified = modified
        # The record id and modified date are in every object's registry (catalogue._system).
        self.names = [name for name in dict.fromkeys(names) if name in table.registry]

    def properties(self, row: int) -> dict[str, str | None]:
        table = self.table
        out: dict[str, str | None] = {}
        for name in self.names:
            if name == "hs_object_id":
                out[name] = str(table.ids[row])
            elif name == self.modified:
                out[name] = format_datetime(table.updated[row])
            else:
                value = table.get(row, name)
                out[name] = format_datetime(value) if isinstance(value, int) else value
        return out

    def record(self, row: int) -> dict[str, object]:
        """A `SimplePublicObject`."""
        table = self.table
        body: dict[str, object] = {
            "id": str(table.ids[row]),
            "properties": self.properties(row),
            "createdAt": format_datetime(table.created[row]),
            "updatedAt": format_datetime(table.updated[row]),
            "archived": table.is_archived(row),
        }
        if table.is_archived(row):
            body["archivedAt"] = format_datetime(table.archived_at[row])
        return body
