"""Validating and applying record writes for the single-record resources, sObject Collections and
seeding alike, with Salesforce's StatusCode values and messages (REST API "Status Codes and Error
Responses"): INVALID_FIELD, INVALID_FIELD_FOR_INSERT_UPDATE, JSON_PARSER_ERROR, STRING_TOO_LONG,
INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, MALFORMED_ID, INVALID_CROSS_REFERENCE_KEY,
REQUIRED_FIELD_MISSING, DUPLICATE_VALUE, UNABLE_TO_LOCK_ROW, ENTITY_IS_DELETED.

Every write keeps the audit fields and the fields Salesforce derives (IsClosed, IsWon,
HasResponded, ...). A Task or Event written or deleted re-derives its person's LastActivityDate
("the latest Due Date of the Closed Tasks on a record" or "the latest Start Date of Events",
Salesforce Help 000385365) and leaves the person's LastModifiedDate and SystemModstamp alone: no
Salesforce document says logging an activity moves them, so the connector must not count on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.catalogue import RESPONDED_MEMBER_STATUSES
from connector.sandbox.salesforce.errors import RecordError
from connector.sandbox.salesforce.schema import FieldDef, FieldType, Kind, ObjectDef
from connector.sandbox.salesforce.store import Store, Table
from connector.sandbox.salesforce.values import to_stored

_DAY_MS = 86_400_000
ACTIVITY_OBJECTS = ("Task", "Event")


def locked_error(record_id: str) -> RecordError:
    return RecordError(
        "UNABLE_TO_LOCK_ROW",
        f"unable to obtain exclusive access to this record or 1 records: {record_id}",
    )


def _required_missing(names: list[str]) -> RecordError:
    return RecordError(
        "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(names)}]", names
    )


@dataclass
class PreparedWrite:
    """A validated write, ready to apply: `values` are in the store's representation."""

    table: Table
    values: dict[str, Any]
    row: int | None = None  # None: insert


class Writer:
    """Validates and applies writes as `user_id` (the session's user). With `all_or_none`
    nothing is applied before all are valid, so the unique values the validated writes will
    hold are claimed meanwhile: (field, lowered value) -> the id (or "(pending)") holding it."""

    def __init__(self, store: Store, user_id: str, all_or_none: bool = False) -> None:
        self.store = store
        self.user_id = user_id
        self.claims: dict[tuple[str, str], str] | None = {} if all_or_none else None

    # -- validation ----------------------------------------------------------------------------
    def prepare_create(self, obj: ObjectDef, body: dict[str, Any]) -> PreparedWrite:
        table = self.store.tables[obj.name]
        values = {**self._defaults(obj), **self._convert(obj, body, creating=True)}
        missing = [
            f.name for f in obj.fields if f.required_on_create and values.get(f.name) is None
        ]
        if obj.name == "CampaignMember" and not (values.get("LeadId") or values.get("ContactId")):
            missing.extend(["LeadId", "ContactId"])  # a member is a Lead or a Contact
        if missing:
            raise _required_missing(missing)
        return self._unique(PreparedWrite(table, values))

    def prepare_update(self, obj: ObjectDef, record_id: str, body: dict[str, Any]) -> PreparedWrite:
        table, row = self._writable(obj, record_id)
        values = self._convert(obj, body, creating=False)
        fields = {f.name: f for f in obj.fields}
        nulled = [n for n, v in values.items() if v is None and not fields[n].nillable]
        if nulled:
            raise _required_missing(nulled)
        return self._unique(PreparedWrite(table, values, row))

    def _writable(self, obj: ObjectDef, record_id: str) -> tuple[Table, int]:
        """The live, unlocked record `record_id` of `obj`: its table and row."""
        table = self.store.tables[obj.name]
        row = table.row(record_id)
        if row is None or table.is_deleted(row):
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
        if table.ids[row] in self.store.locked_ids:
            raise locked_error(table.ids[row])
        return table, row

    def _convert(self, obj: ObjectDef, body: dict[str, Any], creating: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        readonly: list[str] = []
        for key, raw in body.items():
            if key == "attributes":
                continue
            field_def = obj.field(key)
            if field_def is None:
                raise RecordError(
                    "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}"
                )
            if field_def.type is FieldType.ID:
                if creating:
                    raise RecordError(
                        "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]
                    )
                continue
            allowed = field_def.createable if creating else field_def.updateable
            if not allowed:
                readonly.append(field_def.name)
                continue
            stored = to_stored(field_def, raw)
            self._check_value(field_def, stored)
            values[field_def.name] = stored
        if readonly:
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(readonly)}. Please check the security "
                "settings of this field and verify that it is read/write for your profile or "
                "permission set.",
                readonly,
            )
        return values

    def _check_value(self, field_def: FieldDef, stored: Any) -> None:
        if stored is None or field_def.kind is not Kind.TEXT:
            return
        label, error = field_def.label, None
        if field_def.type is FieldType.REFERENCE:
            error = self._reference_error(field_def, stored)
        elif field_def.length and len(stored) > field_def.length:
            too_large = f"{label}: data value too large: {stored}"
            error = ("STRING_TOO_LONG", f"{too_large} (max length={field_def.length})")
        elif field_def.restricted_picklist and stored not in field_def.picklist_values():
            bad_value = f"{label}: bad value for restricted picklist field: {stored}"
            error = ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", bad_value)
        if error is not None:
            raise RecordError(*error, [field_def.name])

    def _reference_error(self, field_def: FieldDef, value: str) -> tuple[str, str] | None:
        """A lookup holds the id of a live record of one of its objects (Group ids are taken on
        trust: the org keeps no Group table)."""
        objects = self.store.objects
        prefixes = {objects[t].key_prefix for t in field_def.reference_to if t in objects}
        trusted = {"00G"} if "Group" in field_def.reference_to else set()
        if not ids.looks_like_id(value) or value[:3] not in prefixes | trusted:
            return "MALFORMED_ID", f"{field_def.label}: id value of incorrect type: {value}"
        located = self.store.locate(value)
        if value[:3] in prefixes and (located is None or located[0].is_deleted(located[1])):
            return "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"
        return None

    def _defaults(self, obj: ObjectDef) -> dict[str, Any]:
        defaults = {
            f.name: f.default_value
            for f in obj.fields
            if f.type is FieldType.PICKLIST and f.default_value is not None
        }
        if obj.field("OwnerId") is not None:
            defaults["OwnerId"] = self.user_id
        return defaults

    def _unique(self, prepared: PreparedWrite) -> PreparedWrite:
        """`prepared`, once no other record (nor an earlier one of the request) holds one of
        its unique values."""
        table, row, claimed = prepared.table, prepared.row, {}
        for name in table.unique:
            value = prepared.values.get(name)
            if value is None:
                continue
            lowered = str(value).lower()
            holder = table.find_unique(name, lowered)
            holder_id = table.ids[holder] if holder not in (None, row) else None
            holder_id = holder_id or (self.claims or {}).get((name, lowered))
            if holder_id is not None:
                message = f"duplicate value found: {name} duplicates value on record with id"
                raise RecordError("DUPLICATE_VALUE", f"{message}: {holder_id}")
            claimed[(name, lowered)] = "(pending)" if row is None else table.ids[row]
        if self.claims is not None:
            self.claims.update(claimed)
        return prepared

    # -- applying ------------------------------------------------------------------------------
    def apply(self, prepared: PreparedWrite) -> str:
        """Apply a validated write; returns the record id."""
        now = self.store.now_ms()
        table, row = prepared.table, prepared.row
        values = {**prepared.values, **self._stamps(now)}
        if row is None:
            values = {"CreatedDate": now, "CreatedById": self.user_id, **values}
        derive(table, row, values, now)
        activity = table.definition.name in ACTIVITY_OBJECTS
        before = table.get(row, "WhoId") if activity and row is not None else None
        if row is None:
            row = table.insert(values)
        else:
            table.update(row, values)
        self._roll_up_activity(table, row, before)
        return table.ids[row]

    def delete(self, obj: ObjectDef, record_id: str) -> str:
        table, row = self._writable(obj, record_id)
        table.update(row, self._stamps(self.store.now_ms()))
        table.mark_deleted(row)
        self._roll_up_activity(table, row, None)
        return table.ids[row]

    def _stamps(self, now: int) -> dict[str, Any]:
        return {"LastModifiedDate": now, "LastModifiedById": self.user_id, "SystemModstamp": now}

    # -- activity roll-up ------------------------------------------------------------------------
    def _roll_up_activity(self, table: Table, row: int, previous_who: str | None) -> None:
        """Re-derive LastActivityDate of the activity's person (and of its former person when
        WhoId changed), without touching the person's modification stamps."""
        if table.definition.name not in ACTIVITY_OBJECTS:
            return
        for who in {previous_who, table.get(row, "WhoId")} - {None}:
            located = self.store.locate(who)
            if located is None or "LastActivityDate" not in located[0].columns:
                continue
            person, person_row = located
            person.update(person_row, {"LastActivityDate": self._last_activity(who)})

    def _last_activity(self, who: str) -> int | None:
        """The latest ActivityDate of the person's live Events and closed Tasks."""
        days = []
        for name in ACTIVITY_OBJECTS:
            activities = self.store.tables[name]
            for row in activities.rows_with("WhoId", who):
                closed = name != "Task" or activities.get(row, "IsClosed")
                if closed and not activities.is_deleted(row):
                    days.append(activities.get(row, "ActivityDate"))
        return max((day for day in days if day is not None), default=None)


def derive(table: Table, row: int | None, values: dict[str, Any], now: int) -> None:
    """Fields Salesforce computes from others (read-only to clients), for a write at `now`
    (epoch ms) to `row` (None: an insert); seeding derives them the same way."""
    name = table.definition.name

    def current(field_name: str) -> Any:
        if field_name in values:
            return values[field_name]
        return None if row is None else table.get(row, field_name)

    if name == "Opportunity" and "StageName" in values:
        stage = values["StageName"]
        values["IsClosed"] = stage in ("Closed Won", "Closed Lost")
        values["IsWon"] = stage == "Closed Won"
    elif name == "Task" and "Status" in values:
        closed = values["Status"] == "Completed"
        values["IsClosed"] = closed
        if closed and current("CompletedDateTime") is None:
            values["CompletedDateTime"] = now
    elif name == "Event" and "StartDateTime" in values:
        start = values["StartDateTime"]
        if start is not None:
            values.setdefault("ActivityDateTime", start)
            values.setdefault("ActivityDate", start // _DAY_MS)
            duration = current("DurationInMinutes") or 60
            values.setdefault("DurationInMinutes", duration)
            values.setdefault("EndDateTime", start + duration * 60_000)
    elif name == "CampaignMember":
        if row is None:
            lead_id, contact_id = values.get("LeadId"), values.get("ContactId")
            values["LeadOrContactId"] = contact_id or lead_id
            values["Type"] = "Contact" if contact_id else "Lead"
        if "Status" in values:
            responded = values["Status"] in RESPONDED_MEMBER_STATUSES
            values["HasResponded"] = responded
            if responded and current("FirstRespondedDate") is None:
                values["FirstRespondedDate"] = now // _DAY_MS
