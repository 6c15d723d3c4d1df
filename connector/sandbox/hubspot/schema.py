"""The portal's metadata model: property definitions, property groups and the properties API's
request bodies (the values they accept are checked in `values`).

Shapes follow the SDK's `hubspot.crm.properties.models` (`ModelProperty`, `Option`,
`PropertyGroup`): `description`, `options`, `groupName`, `fieldType` are always present because the
SDK refuses a property without them.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr
from pydantic.alias_generators import to_camel

#: When the standard catalog "was created"; HubSpot-defined properties predate every portal.
CATALOG_EPOCH = "2019-08-06T02:43:14.491Z"


class ApiBody(BaseModel):
    """HubSpot's camelCase JSON; fields HubSpot accepts but the emulator ignores are dropped."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, alias_generator=to_camel)

    def to_api(self) -> dict[str, object]:
        return self.model_dump(by_alias=True)


class Option(ApiBody):
    """An option of an enumeration property (the SDK's `Option`, and `OptionInput` written)."""

    model_config = ConfigDict(frozen=True)

    label: str
    value: str
    display_order: int = 0
    hidden: bool = False
    description: str = ""


class PropertyGroup(ApiBody):
    """A property group (the SDK's `PropertyGroup`, and `PropertyGroupCreate` written)."""

    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    display_order: int = -1
    archived: bool = False


class PropertyDef(ApiBody):
    """One property of one object type, as `GET /crm/v3/properties/{objectType}` lists it, and
    the properties API's create body (`PropertyCreate`: name, label, type, fieldType, groupName
    required); the fields after `referenced_object_type` are the emulator's, never a client's."""

    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    type: str  # string | number | date | datetime | enumeration | bool
    field_type: str  # text | textarea | number | date | select | radio | checkbox | ...
    group_name: str
    description: str = ""
    options: tuple[Option, ...] = ()
    display_order: int = -1
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False
    external_options: bool = False
    referenced_object_type: str | None = None
    hubspot_defined: bool = True
    read_only_value: bool = False
    created_at: str = CATALOG_EPOCH
    updated_at: str = CATALOG_EPOCH
    _option_index: dict[str, str] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._option_index = {option.value.lower(): option.value for option in self.options}

    @property
    def multi_valued(self) -> bool:
        return self.type == "enumeration" and self.field_type == "checkbox"

    def canonical_option(self, raw: str) -> str | None:
        return self._option_index.get(raw.lower())

    def to_api(self) -> dict[str, object]:
        emulator_only = {"hubspot_defined", "read_only_value", "referenced_object_type"}
        body = self.model_dump(by_alias=True, exclude=emulator_only)
        body |= {
            "calculated": False,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only_value,
            },
            "archived": False,
        }
        if self.hubspot_defined:
            body["hubspotDefined"] = True
        if self.referenced_object_type:
            body["referencedObjectType"] = self.referenced_object_type
        return body


class PropertyRegistry(dict[str, PropertyDef]):
    """The properties of one object type by name, and its property groups by name. Mutable:
    custom properties and groups can be created."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: dict[str, PropertyGroup] = {}

    def add(self, definition: PropertyDef) -> PropertyDef:
        self[definition.name] = definition
        return definition


PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
