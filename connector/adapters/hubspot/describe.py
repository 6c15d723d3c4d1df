"""The portal's schema: property definitions as a FieldSchema, the mapping checked against it
(a missing property, a wrong type or an unknown option would otherwise fail mid-sync, or write
nothing and say nothing), and the connector's own missing properties created.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate

from connector.adapters.base import CrmField, FieldSchema
from connector.adapters.errors import CrmRequestError
from connector.adapters.hubspot import endpoints
from connector.adapters.hubspot.client import HubSpotClient, SdkCall
from connector.adapters.hubspot.failures import Endpoint
from connector.adapters.kit.schema import VALUE_MAPPED, WRITTEN_FIELDS
from connector.domain.properties import PropertyType
from connector.mapping.crm_schema import (
    CONNECTOR_OWNED_FIELDS,
    CompanyField,
    ContactField,
    HubSpotMapping,
)

TEXT = frozenset({"string", "enumeration"})
NUMBER = frozenset({"number"})
DATE = frozenset({"datetime", "date"})
BOOLISH = frozenset({"bool", "enumeration", "string"})
ANY = frozenset({"string", "enumeration", "number", "bool", "datetime", "date", "phone_number"})

_F = ContactField  # short, so each group of fields fits a line
CONTACT_TYPES: dict[ContactField, frozenset[str]] = {
    **dict.fromkeys(
        (_F.FIRST_NAME, _F.LAST_NAME, _F.JOB_TITLE, _F.INDUSTRY, _F.SENIORITY, _F.DECISION_ROLE),
        TEXT,
    ),
    **dict.fromkeys((_F.COUNTRY, _F.REGION, _F.SOURCE, _F.INTENT, _F.GRADE), TEXT),
    **dict.fromkeys((_F.BANT_BUDGET, _F.BANT_AUTHORITY, _F.BANT_NEED, _F.BANT_TIMELINE), BOOLISH),
    **dict.fromkeys((_F.CREATED_AT, _F.UPDATED_AT, _F.RECYCLED_AT), DATE),
    **dict.fromkeys((_F.LIFECYCLE_STAGE, _F.SALES_STATUS), frozenset({"enumeration"})),
    **dict.fromkeys((_F.EMAIL, _F.SCORE_REASONS), frozenset({"string"})),
    _F.OWNER_ID: frozenset({"enumeration", "string", "number"}),
    _F.COMPANY_ID: frozenset({"string", "number"}),
    _F.SCORE: NUMBER,
    _F.CONNECTOR_STAGE: TEXT,
}
COMPANY_TYPES: dict[CompanyField, frozenset[str]] = {
    **dict.fromkeys(CompanyField, TEXT),  # text but for the fields below
    CompanyField.EMPLOYEES: NUMBER,
    CompanyField.ANNUAL_REVENUE: NUMBER,
    CompanyField.OWNER_ID: frozenset({"enumeration", "string", "number"}),
}
#: HubSpot property types that can hold each mapped property type (`properties:`). A yes/no
#: property is `bool`, or an `enumeration` shown as a single checkbox (as hs_email_optout is).
PROPERTY_TYPES: dict[PropertyType, frozenset[str]] = {
    PropertyType.NUMBER: NUMBER,
    PropertyType.TEXT: frozenset({"string", "enumeration", "phone_number"}),
    PropertyType.PICKLIST: frozenset({"enumeration"}),
    PropertyType.DATE: DATE,
    PropertyType.BOOL: frozenset({"bool", "enumeration"}),
}
TASK_PROPERTIES = {
    "hs_task_subject": TEXT,
    "hs_task_body": frozenset({"string"}),
    "hs_task_status": frozenset({"enumeration"}),
    "hs_task_priority": frozenset({"enumeration"}),
    "hs_timestamp": DATE,
}


def describe_fields(client: HubSpotClient, object_types: Iterable[str]) -> FieldSchema:
    """One properties call per object type."""
    objects: dict[str, dict[str, CrmField]] = {}
    for object_type in dict.fromkeys(object_types):
        answer = client.send(
            endpoints.properties(object_type),
            lambda timeout, object_type=object_type: client.properties.get_all_with_http_info(
                object_type, archived=False, _request_timeout=timeout
            ),
            action=f"read the {object_type} property definitions",
            records=lambda data: len(data.results or []),
        )
        fields: dict[str, CrmField] = {}
        for prop in answer.results or []:
            meta = prop.modification_metadata
            fields[prop.name] = CrmField(
                name=prop.name,
                label=prop.label or "",
                type=prop.type or "",
                options=tuple(option.value for option in prop.options or []),
                writable=not bool(meta and meta.read_only_value) and not bool(prop.calculated),
                custom=not bool(prop.hubspot_defined),
            )
        objects[object_type] = fields
    return FieldSchema(objects=objects)


def _check_property(
    schema: FieldSchema,
    crm_object: str,
    name: str,
    allowed: frozenset[str],
    what: str,
    *,
    written: bool = False,
) -> list[str]:
    found = schema.field(crm_object, name)
    if found is None:
        return [f"{crm_object}.{name} ({what}) does not exist in the portal"]
    problems = []
    if found.type not in allowed:
        problems.append(
            f"{crm_object}.{name} ({what}) has type {found.type!r}; "
            f"expected {' or '.join(sorted(allowed))}"
        )
    if written and not found.writable:
        problems.append(f"{crm_object}.{name} ({what}) is read-only, but the connector writes it")
    return problems


def _check_values(
    schema: FieldSchema,
    crm_object: str,
    name: str,
    what: str,
    values: Mapping[str, Sequence[str]],
    *,
    written: bool,
) -> list[str]:
    """The value the connector writes (the first listed) must be an option; for values only
    read, a domain value none of whose listed values exist can never be recognised."""
    found = schema.field(crm_object, name)
    if found is None or found.type != "enumeration" or not found.options:
        return []
    options = {option.casefold() for option in found.options}
    problems = []
    for domain_value, crm_values in values.items():
        missing = [value for value in crm_values if value.casefold() not in options]
        if written and crm_values[0].casefold() not in options:
            problems.append(
                f"{crm_object}.{name} ({what}): {crm_values[0]!r}, written for "
                f"{domain_value!r}, is not one of its options"
            )
        elif len(missing) == len(crm_values):
            problems.append(
                f"{crm_object}.{name} ({what}): none of {list(crm_values)} (for "
                f"{domain_value!r}) is one of its options"
            )
    return problems


def _check_yes_no(
    schema: FieldSchema, crm_object: str, name: str, kind: PropertyType, what: str
) -> list[str]:
    """A yes/no property held in an enumeration must be a single checkbox: its options are
    exactly "true" and "false" (as hs_email_optout's are); any other select is not yes/no."""
    found = schema.field(crm_object, name)
    if kind != PropertyType.BOOL or found is None or found.type != "enumeration":
        return []
    if {option.casefold() for option in found.options} == {"true", "false"}:
        return []
    return [
        f"{crm_object}.{name} ({what}) is an enumeration with options "
        f"{list(found.options)}, not a yes/no checkbox"
    ]


def check_mapping(mapping: HubSpotMapping, schema: FieldSchema) -> list[str]:
    """Every mapped property that does not exist or has the wrong type, options or access."""
    problems: list[str] = []
    contact = mapping.contact
    obj = contact.object
    for field, name in contact.fields.items():
        allowed, written = CONTACT_TYPES.get(field, ANY), field in WRITTEN_FIELDS
        problems += _check_property(schema, obj, name, allowed, field.value, written=written)
    for shared, mapped in contact.properties.items():
        what, allowed = f"property {shared}", PROPERTY_TYPES[mapped.type]
        problems += _check_property(schema, obj, mapped.field, allowed, what)
        problems += _check_yes_no(schema, obj, mapped.field, mapped.type, what)
    value_maps = contact.values
    for field in VALUE_MAPPED:
        crm_name, values = contact.fields.get(field), getattr(value_maps, field.value)
        if crm_name and values:
            by_value = {str(k): v for k, v in values.items()}
            written = field in WRITTEN_FIELDS
            problems += _check_values(schema, obj, crm_name, field.value, by_value, written=written)
    for company_field, company_name in mapping.company.items():
        what, allowed = f"company {company_field.value}", COMPANY_TYPES.get(company_field, ANY)
        problems += _check_property(schema, "companies", company_name, allowed, what)
    # A company's industry is read through the contact's industry map (one vocabulary).
    company_industry = mapping.company.get(CompanyField.INDUSTRY)
    if company_industry and value_maps.industry:
        industry, what = dict(value_maps.industry), "company industry"
        problems += _check_values(
            schema, "companies", company_industry, what, industry, written=False
        )
    engagement = mapping.engagement
    for counter in engagement.counters:
        problems += _check_property(schema, obj, counter.count, NUMBER, f"{counter.kind} count")
        problems += _check_property(schema, obj, counter.date, DATE, f"{counter.kind} date")
    for flag in engagement.flags:
        problems += _check_property(schema, obj, flag.property, BOOLISH, f"{flag.kind} flag")
        if flag.date:
            problems += _check_property(schema, obj, flag.date, DATE, f"{flag.kind} date")
    for conversion in engagement.conversions.properties:
        problems += _check_property(schema, obj, conversion.name, TEXT, "conversion name")
        problems += _check_property(schema, obj, conversion.date, DATE, "conversion date")
    stages = {"won": list(mapping.deals.won_stages), "lost": list(mapping.deals.lost_stages)}
    if schema.objects.get("deals"):
        problems += _check_property(
            schema, "deals", "dealstage", frozenset({"enumeration"}), "deal stage"
        )
        problems += _check_values(schema, "deals", "dealstage", "deal stage", stages, written=False)
    tasks = mapping.tasks
    problems += _check_property(
        schema, tasks.object, tasks.key_field, frozenset({"string"}), "task key", written=True
    )
    for name, allowed in TASK_PROPERTIES.items():
        problems += _check_property(schema, tasks.object, name, allowed, "task", written=True)
    for name, what, options in (
        ("hs_task_status", "task status", {"status": [tasks.status]}),
        ("hs_task_priority", "task priority", {str(k): [v] for k, v in tasks.priority.items()}),
    ):
        problems += _check_values(schema, tasks.object, name, what, options, written=True)
    return list(dict.fromkeys(problems))


@dataclass(frozen=True)
class _Spec:
    label: str
    type: str
    field_type: str
    description: str


CONNECTOR_PROPERTY_SPECS: dict[ContactField, _Spec] = {
    ContactField.SCORE: _Spec(
        "Connector score", "number", "number", "Behaviour score computed by the connector"
    ),
    ContactField.GRADE: _Spec(
        "Connector fit grade", "string", "text", "Fit grade computed by the connector"
    ),
    ContactField.SCORE_REASONS: _Spec(
        "Connector score reasons", "string", "textarea", "Why the score is what it is"
    ),
    ContactField.CONNECTOR_STAGE: _Spec(
        "Connector stage",
        "string",
        "text",
        "Lifecycle stage the connector last wrote; a different stage means a person changed it",
    ),
    ContactField.RECYCLED_AT: _Spec(
        "Connector recycled at", "datetime", "date", "When the connector last recycled the lead"
    ),
}
FINGERPRINT_SPEC = _Spec(
    "Connector fingerprint",
    "string",
    "text",
    "Digest of what the connector last decided on, so it does not re-read its own writes",
)
TASK_KEY_SPEC = _Spec(
    "Connector task key",
    "string",
    "text",
    "Idempotency key of a task the connector created; never edit it",
)


def provision(
    client: HubSpotClient,
    mapping: HubSpotMapping,
    schema: FieldSchema,
    fingerprint_property: str | None = None,
) -> list[str]:
    """Create the connector's own properties that `schema` lacks, in the mapping's property
    group (created when missing); "object.property" for each one created. An existing one is
    never changed, even with a wrong type: that could destroy a customer's data."""
    wanted: list[tuple[str, str, _Spec]] = []
    contact = mapping.contact
    for field in CONNECTOR_OWNED_FIELDS:
        name = contact.fields.get(field)
        if name and schema.field(contact.object, name) is None:
            wanted.append((contact.object, name, CONNECTOR_PROPERTY_SPECS[field]))
    if fingerprint_property and schema.field(contact.object, fingerprint_property) is None:
        wanted.append((contact.object, fingerprint_property, FINGERPRINT_SPEC))
    if schema.field(mapping.tasks.object, mapping.tasks.key_field) is None:
        wanted.append((mapping.tasks.object, mapping.tasks.key_field, TASK_KEY_SPEC))
    created: list[str] = []
    grouped: set[str] = set()
    for object_type, name, spec in wanted:
        if object_type not in grouped:
            _ensure_group(client, object_type, mapping.property_group)
            grouped.add(object_type)
        body = PropertyCreate(
            name=name,
            label=spec.label,
            type=spec.type,
            field_type=spec.field_type,
            group_name=mapping.property_group,
            description=spec.description,
            form_field=False,
            has_unique_value=False,
            hidden=False,
            options=[],
        )
        if _create(
            client,
            endpoints.create_property(object_type),
            lambda timeout, object_type=object_type, body=body: (
                client.properties.create_with_http_info(object_type, body, _request_timeout=timeout)
            ),
            f"create the {object_type} property {name}",
        ):
            created.append(f"{object_type}.{name}")
    return created


def _create(client: HubSpotClient, endpoint: Endpoint, call: SdkCall, action: str) -> bool:
    """Send one create; False when HubSpot answers 409: another run created it meanwhile."""
    try:
        client.send(endpoint, call, action=action, records=lambda _: 1)
    except CrmRequestError as refused:
        if refused.failure is None or refused.failure.status != 409:
            raise
        return False
    return True


def _ensure_group(client: HubSpotClient, object_type: str, group: str) -> None:
    answer = client.send(
        endpoints.groups(object_type),
        lambda timeout: client.groups.get_all_with_http_info(object_type, _request_timeout=timeout),
        action=f"read the {object_type} property groups",
        records=lambda data: len(data.results or []),
    )
    if any(existing.name == group for existing in answer.results or []):
        return
    body = PropertyGroupCreate(name=group, label="Connector", display_order=-1)
    _create(
        client,
        endpoints.create_group(object_type),
        lambda timeout: client.groups.create_with_http_info(
            object_type, body, _request_timeout=timeout
        ),
        f"create the {object_type} property group {group}",
    )
