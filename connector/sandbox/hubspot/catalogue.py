"""The CRM object types the emulator serves and how HubSpot names them.

HubSpot accepts an object type in a URL by its plural name (`contacts`), its singular name
(`contact`) or its object type id (`0-1`); ids and names come from "Using Object APIs"
(developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis, "Object type ID values").
The properties returned when a request names none are the ones HubSpot returns by default
(e.g. the meeting example on that page shows `hs_createdate, hs_lastmodifieddate, hs_object_id`
for activities).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectType:
    name: str  # plural, as in /crm/v3/objects/{name}
    singular: str  # as in association type names ("contact_to_company") and v3 search filters
    type_id: str  # "0-1"
    created_property: str
    modified_property: str
    default_properties: tuple[str, ...]
    #: Properties a create must carry (using-object-apis: "Required properties to create").
    required_on_create: tuple[str, ...] = ()

    @property
    def upper(self) -> str:
        """The upper-case singular of some messages ("Could not get some CONTACT objects...")."""
        return self.singular.upper()


_ACTIVITY_DEFAULTS = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")

CONTACTS = ObjectType(
    name="contacts",
    singular="contact",
    type_id="0-1",
    created_property="createdate",
    modified_property="lastmodifieddate",
    default_properties=(
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
)
COMPANIES = ObjectType(
    name="companies",
    singular="company",
    type_id="0-2",
    created_property="createdate",
    modified_property="hs_lastmodifieddate",
    default_properties=("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
)
DEALS = ObjectType(
    name="deals",
    singular="deal",
    type_id="0-3",
    created_property="createdate",
    modified_property="hs_lastmodifieddate",
    default_properties=(
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    required_on_create=("dealname", "dealstage", "pipeline"),
)
TASKS = ObjectType(
    name="tasks",
    singular="task",
    type_id="0-27",
    created_property="hs_createdate",
    modified_property="hs_lastmodifieddate",
    default_properties=_ACTIVITY_DEFAULTS,
    required_on_create=("hs_timestamp",),
)
EMAILS = ObjectType(
    name="emails",
    singular="email",
    type_id="0-49",
    created_property="hs_createdate",
    modified_property="hs_lastmodifieddate",
    default_properties=_ACTIVITY_DEFAULTS,
    required_on_create=("hs_timestamp", "hs_email_direction"),
)
MEETINGS = ObjectType(
    name="meetings",
    singular="meeting",
    type_id="0-47",
    created_property="hs_createdate",
    modified_property="hs_lastmodifieddate",
    default_properties=_ACTIVITY_DEFAULTS,
    required_on_create=("hs_timestamp",),
)
CALLS = ObjectType(
    name="calls",
    singular="call",
    type_id="0-48",
    created_property="hs_createdate",
    modified_property="hs_lastmodifieddate",
    default_properties=_ACTIVITY_DEFAULTS,
    required_on_create=("hs_timestamp",),
)
NOTES = ObjectType(
    name="notes",
    singular="note",
    type_id="0-46",
    created_property="hs_createdate",
    modified_property="hs_lastmodifieddate",
    default_properties=_ACTIVITY_DEFAULTS,
    required_on_create=("hs_timestamp",),
)

OBJECT_TYPES: tuple[ObjectType, ...] = (
    CONTACTS,
    COMPANIES,
    DEALS,
    TASKS,
    EMAILS,
    MEETINGS,
    CALLS,
    NOTES,
)

_BY_ALIAS: dict[str, ObjectType] = {}
for _type in OBJECT_TYPES:
    for _alias in (_type.name, _type.singular, _type.type_id):
        _BY_ALIAS[_alias] = _type


def resolve_object_type(alias: str) -> ObjectType | None:
    """The object type an URL segment names (case-insensitive), or None when unknown."""
    return _BY_ALIAS.get(alias.lower())
