"""The org's schema (sObject describe) and the checks of mappings/salesforce.yaml against it
(missing fields, wrong types, read-only fields the connector writes, unknown picklist values).
`provision` lists the custom fields an admin must create: metadata changes touch layouts,
field-level security and profiles, so they stay an admin's decision.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from connector.adapters.base import CrmField, FieldSchema
from connector.adapters.kit.schema import VALUE_MAPPED, WRITTEN_FIELDS
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.endpoints import DESCRIBE
from connector.domain.properties import PropertyType
from connector.mapping.crm_schema import (
    CONNECTOR_OWNED_FIELDS,
    CompanyField,
    ContactField,
    PersonMapping,
    SalesforceMapping,
)

_TEXT = frozenset(
    {"string", "textarea", "email", "phone", "url", "picklist", "combobox", "multipicklist"}
)
_CHOICE = frozenset({"picklist", "combobox", "string"})
_NUMBER = frozenset({"double", "int", "currency", "percent", "long"})
_DATETIME = frozenset({"datetime"})
_FLAG = frozenset({"boolean", "datetime", "date"})

_F = ContactField  # short, so each group of fields fits a line
_BOOLISH = frozenset({"boolean", "picklist", "string"})
_LABEL = frozenset({"string", "picklist"})
EXPECTED_TYPES: dict[ContactField, frozenset[str]] = {
    **dict.fromkeys(
        (_F.FIRST_NAME, _F.LAST_NAME, _F.JOB_TITLE, _F.INDUSTRY, _F.SENIORITY, _F.DECISION_ROLE),
        _TEXT,
    ),
    **dict.fromkeys((_F.COUNTRY, _F.REGION), _TEXT),
    **dict.fromkeys((_F.SOURCE, _F.INTENT, _F.LIFECYCLE_STAGE, _F.SALES_STATUS), _CHOICE),
    **dict.fromkeys((_F.OWNER_ID, _F.COMPANY_ID), frozenset({"reference"})),
    **dict.fromkeys((_F.BANT_BUDGET, _F.BANT_AUTHORITY, _F.BANT_NEED, _F.BANT_TIMELINE), _BOOLISH),
    **dict.fromkeys((_F.CREATED_AT, _F.UPDATED_AT, _F.RECYCLED_AT), _DATETIME),
    **dict.fromkeys((_F.GRADE, _F.CONNECTOR_STAGE), _LABEL),
    _F.EMAIL: frozenset({"email", "string"}),
    _F.SCORE: _NUMBER,
    _F.SCORE_REASONS: frozenset({"textarea", "string"}),
}
#: Field types (describe `type`) that can hold each mapped property type (`properties:`).
PROPERTY_TYPES: dict[PropertyType, frozenset[str]] = {
    PropertyType.NUMBER: _NUMBER,
    PropertyType.TEXT: _TEXT,
    PropertyType.PICKLIST: frozenset({"picklist", "combobox", "multipicklist"}),
    PropertyType.DATE: frozenset({"date", "datetime"}),
    PropertyType.BOOL: frozenset({"boolean"}),
}
COMPANY_TYPES: dict[CompanyField, frozenset[str]] = {
    **dict.fromkeys(CompanyField, _TEXT),  # text but for the fields below
    CompanyField.DOMAIN: frozenset({"url", "string"}),
    CompanyField.EMPLOYEES: _NUMBER,
    CompanyField.ANNUAL_REVENUE: _NUMBER,
    CompanyField.OWNER_ID: frozenset({"reference"}),
}
#: Value maps of open vocabularies: only read, never written, so no value is "the one written".
_READ_ONLY_VALUES = frozenset({_F.INDUSTRY, _F.DECISION_ROLE})


# --- describe ------------------------------------------------------------------------------------


def described_objects(mapping: SalesforceMapping) -> list[str]:
    """The objects the mapping touches."""
    names = [mapping.lead.object, mapping.contact.object]
    if mapping.account:
        names.append("Account")
    names.append(mapping.tasks.object)
    if mapping.engagement.tasks and "Task" not in names:
        names.append("Task")
    if mapping.engagement.events:
        names.append("Event")
    if mapping.engagement.campaign_members:
        names += ["CampaignMember", "Campaign"]
    return list(dict.fromkeys(names))


def crm_field(raw: Mapping[str, Any]) -> CrmField:
    options = tuple(
        str(value["value"])
        for value in raw.get("picklistValues") or []
        if value.get("active", True) and value.get("value") is not None
    )
    return CrmField(
        name=str(raw["name"]),
        label=str(raw.get("label") or ""),
        type=str(raw.get("type") or ""),
        options=options,
        writable=bool(raw.get("updateable", False)),
        custom=bool(raw.get("custom", False)),
        # Describe reports `length` 0 for fields that are not text (numbers, dates, booleans).
        length=int(raw.get("length") or 0) or None,
    )


def describe_objects(client: SalesforceClient, names: Iterable[str]) -> FieldSchema:
    """One sObject describe per object: how the adapter learns the org's fields."""
    objects: dict[str, dict[str, CrmField]] = {}
    for name in names:
        body = client.rest(DESCRIBE, f"sobjects/{name}/describe", action=f"describe {name}")
        objects[name] = {
            str(raw["name"]): crm_field(raw) for raw in (body or {}).get("fields") or []
        }
    return FieldSchema(objects=objects)


class FieldLengths:
    """How many characters each text field the writer fills holds, from the org's describe: an
    admin may make a field shorter than `mappings provision` says, and a longer value is refused
    (STRING_TOO_LONG) with the whole record. Described once per object and run, at the first
    write that carries text for it (a quiet sync or a dry run makes no call)."""

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client
        self._schema = FieldSchema()
        self._lock = threading.Lock()

    def length(self, crm_object: str, field: str, fallback: int) -> int:
        """The length the org gives `crm_object.field`, else `fallback` (the documented one)."""
        with self._lock:
            if crm_object not in self._schema.objects:
                described = describe_objects(self.client, [crm_object])
                self._schema.objects[crm_object] = described.objects.get(crm_object, {})
        found = find_field(self._schema, crm_object, field)
        return found.length if found is not None and found.length else fallback


# --- checking a mapping --------------------------------------------------------------------------


def find_field(schema: FieldSchema, crm_object: str, name: str) -> CrmField | None:
    """Salesforce API names are case-insensitive."""
    found = schema.field(crm_object, name)
    if found is not None:
        return found
    lowered = name.lower()
    return next(
        (f for key, f in schema.objects.get(crm_object, {}).items() if key.lower() == lowered), None
    )


def _field_problems(
    schema: FieldSchema,
    crm_object: str,
    name: str,
    what: str,
    expected: Iterable[str],
    must_write: bool = False,
) -> tuple[CrmField | None, list[str]]:
    found = find_field(schema, crm_object, name)
    if found is None:
        hint = " (custom fields end in __c)" if not name.endswith("__c") and "_" in name else ""
        return None, [f"{crm_object}.{name} ({what}): no such field on {crm_object}{hint}"]
    problems: list[str] = []
    allowed = sorted(set(expected))
    if allowed and found.type not in allowed:
        problems.append(
            f"{crm_object}.{name} ({what}): is a {found.type} field; expected one of "
            f"{', '.join(allowed)}"
        )
    if must_write and not found.writable:
        problems.append(
            f"{crm_object}.{name} ({what}): the connector writes it, but it is read-only for "
            "the integration user (check field-level security)"
        )
    return found, problems


def _picklist_problems(
    field: CrmField | None,
    crm_object: str,
    what: str,
    values: Iterable[str],
    written: Sequence[str] = (),
) -> list[str]:
    """The `values` a picklist lacks (none for a field that is missing or not a picklist);
    one of `written`, the values the connector writes, says so."""
    if field is None or field.type not in ("picklist", "multipicklist") or not field.options:
        return []
    problems: list[str] = []
    for value in dict.fromkeys(values):
        if value in field.options:
            continue
        problem = f"{crm_object}.{field.name} ({what}): picklist value {value!r} does not exist"
        if value in written:
            problem += ", and it is the value the connector writes"
        problems.append(problem)
    return problems


def _person_problems(person: PersonMapping, schema: FieldSchema) -> list[str]:
    crm_object = person.object
    if crm_object not in schema.objects:
        return [f"{crm_object}: the org has no such object (or the user cannot see it)"]
    problems: list[str] = []
    found: dict[ContactField, CrmField | None] = {}
    for field, name in person.fields.items():
        expected, written = EXPECTED_TYPES.get(field, ()), field in WRITTEN_FIELDS
        found[field], issues = _field_problems(
            schema, crm_object, name, field.value, expected, written
        )
        problems += issues
    for shared, mapped in person.properties.items():
        what, expected = f"property {shared}", PROPERTY_TYPES[mapped.type]
        problems += _field_problems(schema, crm_object, mapped.field, what, expected)[1]
    for field in VALUE_MAPPED:
        crm, written = found.get(field), field not in _READ_ONLY_VALUES
        for domain_value, crm_values in getattr(person.values, field.value).items():
            what, chosen = f"{field.value} {domain_value}", crm_values[:1] if written else ()
            problems += _picklist_problems(crm, crm_object, what, crm_values, chosen)
    return problems


def check_mapping(mapping: SalesforceMapping, schema: FieldSchema) -> list[str]:
    """Every way mappings/salesforce.yaml disagrees with the org, one sentence each."""
    problems: list[str] = []
    for person in mapping.people:
        problems += _person_problems(person, schema)
    if mapping.account:
        account: dict[CompanyField, CrmField | None] = {}
        for field, name in mapping.account.items():
            what, expected = f"account {field.value}", COMPANY_TYPES.get(field, ())
            account[field], issues = _field_problems(schema, "Account", name, what, expected)
            problems += issues
        # An Account's industry is read through the people's industry map (one vocabulary).
        industry = account.get(CompanyField.INDUSTRY)
        for person in mapping.people:
            for term, crm_values in person.values.industry.items():
                what = f"account industry {term}"
                problems += _picklist_problems(industry, "Account", what, crm_values)
    engagement = mapping.engagement
    for rule in engagement.tasks:
        problems += _field_problems(schema, "Task", rule.field, f"task rule {rule.kind}", ())[1]
    for rule in engagement.events:
        problems += _field_problems(schema, "Event", rule.field, f"event rule {rule.kind}", ())[1]
    if engagement.campaign_members:
        status = _field_problems(schema, "CampaignMember", "Status", "member status", ())[0]
        campaign_type = _field_problems(schema, "Campaign", "Type", "campaign type", ())[0]
        for member in engagement.campaign_members:
            what = f"campaign rule {member.kind}"
            problems += _picklist_problems(status, "CampaignMember", what, [member.status])
            if member.campaign_type:
                problems += _picklist_problems(
                    campaign_type, "Campaign", what, [member.campaign_type]
                )
    # Flags and counters are read off the person record itself, Lead and Contact alike.
    on_people = [(f"flag {f.kind}", (f.field, f.date), _FLAG) for f in engagement.flags]
    on_people += [(f"counter {c.kind}", (c.count, c.times), _NUMBER) for c in engagement.counters]
    for what, names, expected in on_people:
        for person in mapping.people:
            for name in filter(None, names):
                problems += _field_problems(schema, person.object, name, what, expected)[1]
    tasks = mapping.tasks
    problems += _field_problems(schema, tasks.object, tasks.key_field, "task key", {"string"})[1]
    # The task's priorities and status are values the connector writes.
    for name, what, values in (
        ("Priority", "task priority", list(tasks.priority.values())),
        ("Status", "task status", [tasks.status]),
    ):
        crm, issues = _field_problems(schema, tasks.object, name, what, ())
        problems += issues + _picklist_problems(crm, tasks.object, what, values, values)
    return list(dict.fromkeys(problems))


# --- provisioning --------------------------------------------------------------------------------


class FieldSpec(NamedTuple):
    """A custom field an admin creates in Setup > Object Manager > <object> > Fields."""

    object: str
    name: str
    type: str
    details: str = ""


_SPECS: dict[ContactField, tuple[str, str]] = {
    ContactField.SCORE: ("Number", "length 18, 0 decimal places"),
    ContactField.GRADE: ("Text", "length 10"),
    ContactField.SCORE_REASONS: ("Long Text Area", "length 32,768"),
    ContactField.CONNECTOR_STAGE: ("Text", "length 40"),
    ContactField.RECYCLED_AT: ("Date/Time", ""),
}


def instructions(missing: Sequence[FieldSpec]) -> str:
    if not missing:
        return "Every custom field the connector needs exists."
    lines = [
        "Salesforce custom fields are created by an admin (Setup > Object Manager > "
        "<object> > Fields & Relationships > New), then made editable for the integration "
        "user's profile or permission set. Missing:"
    ]
    for spec in missing:
        label = spec.name.removesuffix("__c").replace("_", " ")
        extra = f", {spec.details}" if spec.details else ""
        lines.append(f"- {spec.object}: {label} ({spec.name}), {spec.type}{extra}")
    return "\n".join(lines)


def provision(mapping: SalesforceMapping, schema: FieldSchema) -> list[FieldSpec]:
    """The connector's own custom fields that the org lacks, as specifications for an admin."""
    missing: list[FieldSpec] = []

    def need(obj: str, name: str | None, kind: str, details: str) -> None:
        if name and name.endswith("__c") and find_field(schema, obj, name) is None:
            missing.append(FieldSpec(obj, name, kind, details))

    for person in mapping.people:
        for field in CONNECTOR_OWNED_FIELDS:
            need(person.object, person.fields.get(field), *_SPECS[field])
        stages = [crm_values[0] for crm_values in person.values.lifecycle_stage.values()]
        order = "values (in this order): " + ", ".join(stages)
        need(person.object, person.fields.get(ContactField.LIFECYCLE_STAGE), "Picklist", order)
    tasks = mapping.tasks
    need(
        tasks.object,
        tasks.key_field,
        "Text",
        "length 80, External ID, Unique (case-insensitive): the idempotency key that keeps "
        "follow-up tasks from being created twice",
    )
    return missing
